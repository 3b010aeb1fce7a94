// Compiles Registry.sol and Pin.sol with solc-js (standard JSON, fixed EVM
// target) and writes build/<Name>.abi and build/<Name>.bin for abigen.
// Run by scripts/contracts.sh with NODE_PATH pointing at solc's node_modules.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const here = __dirname;
const evmVersion = process.env.CONSIGN_EVM_VERSION || 'cancun';
const sources = {};
for (const f of ['Registry.sol', 'Pin.sol']) {
  sources[f] = { content: fs.readFileSync(path.join(here, f), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion,
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of out.errors || []) {
  process.stderr.write(e.formattedMessage || e.message);
  if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);
const build = path.join(here, 'build');
fs.mkdirSync(build, { recursive: true });
for (const [file, contracts] of Object.entries(out.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    fs.writeFileSync(path.join(build, name + '.abi'), JSON.stringify(c.abi, null, 1) + '\n');
    fs.writeFileSync(path.join(build, name + '.bin'), c.evm.bytecode.object + '\n');
  }
}
fs.writeFileSync(path.join(build, 'VERSION'), `solc ${solc.version()} evmVersion=${evmVersion} optimizer=200\n`);
