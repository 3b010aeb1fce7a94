// Opens a CMS EnvelopedData with node-forge, as an externally managed
// destination's client does: node forge_decrypt.js CMS.pem KEY.pem CERT.pem
// prints the decrypted content as hex on stdout.
const fs = require('fs');
const forge = require('node-forge');
const [cmsPath, keyPath, certPath] = process.argv.slice(2);
const msg = forge.pkcs7.messageFromPem(fs.readFileSync(cmsPath, 'utf8'));
const key = forge.pki.privateKeyFromPem(fs.readFileSync(keyPath, 'utf8'));
const cert = forge.pki.certificateFromPem(fs.readFileSync(certPath, 'utf8'));
const recipient = msg.findRecipient(cert) || msg.recipients[0];
msg.decrypt(recipient, key);
process.stdout.write(forge.util.bytesToHex(msg.content.getBytes()));
