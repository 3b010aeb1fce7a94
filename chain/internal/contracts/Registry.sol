// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Consign member registry
/// @notice Members of one environment, each with an owner address, a name
/// (the member id used in destination URIs), a reference to its identity
/// proof (its sha256; the PEM chain itself travels in the MemberAdded
/// event, where bytes are cheap, and the contract checks it against the
/// hash) and a status, plus a profile of key/value strings that only the
/// member's owner may change. Destination certificates live in the
/// profile under keys of the form "dest:<uri>". Admins add and remove
/// members. Every change emits an event so that readers can keep a cache.
contract Registry {
    enum Status { None, Active, Suspended }

    struct Member {
        string name;
        address owner;
        bytes32 proofHash;   // sha256 of the identity proof PEM chain
        bool selfSigned;
        Status status;
        uint64 registeredAt; // block number
    }

    error NotAdmin(address sender);
    error NotOwner(string name, address sender);
    error UnknownMember(string name);
    error MemberExists(string name);
    error OwnerTaken(address owner);
    error BadArgument(string what);

    event AdminChanged(address indexed admin, bool enabled);
    event MemberAdded(string name, address indexed owner, bytes32 proofHash, bool selfSigned, string proofChain);
    event MemberRemoved(string name, address indexed owner);
    event MemberStatusChanged(string name, Status status);
    event ProfileSet(string name, string key, string value);
    event ProfileDeleted(string name, string key);

    mapping(address => bool) public isAdmin;
    mapping(bytes32 => Member) private members;      // keccak(name) => member
    mapping(address => bytes32) private ownerOf;     // owner => keccak(name)
    string[] private names;
    mapping(bytes32 => uint256) private nameIndex;   // keccak(name) => index+1 in names
    mapping(bytes32 => string[]) private keys;       // keccak(name) => profile keys
    mapping(bytes32 => mapping(bytes32 => uint256)) private keyIndex; // index+1
    mapping(bytes32 => mapping(bytes32 => string)) private values;

    constructor() {
        isAdmin[msg.sender] = true;
        emit AdminChanged(msg.sender, true);
    }

    modifier onlyAdmin() {
        if (!isAdmin[msg.sender]) revert NotAdmin(msg.sender);
        _;
    }

    function setAdmin(address admin, bool enabled) external onlyAdmin {
        if (admin == address(0)) revert BadArgument("admin");
        isAdmin[admin] = enabled;
        emit AdminChanged(admin, enabled);
    }

    function addMember(string calldata name, address owner, bytes32 proofHash, string calldata proofChain, bool selfSigned) external onlyAdmin {
        if (bytes(name).length == 0 || bytes(name).length > 64) revert BadArgument("name");
        if (owner == address(0)) revert BadArgument("owner");
        if (proofHash == bytes32(0) || sha256(bytes(proofChain)) != proofHash) revert BadArgument("proofHash");
        bytes32 id = keccak256(bytes(name));
        if (members[id].status != Status.None) revert MemberExists(name);
        if (ownerOf[owner] != bytes32(0)) revert OwnerTaken(owner);
        members[id] = Member(name, owner, proofHash, selfSigned, Status.Active, uint64(block.number));
        ownerOf[owner] = id;
        names.push(name);
        nameIndex[id] = names.length;
        emit MemberAdded(name, owner, proofHash, selfSigned, proofChain);
    }

    function removeMember(string calldata name) external onlyAdmin {
        bytes32 id = keccak256(bytes(name));
        Member storage m = members[id];
        if (m.status == Status.None) revert UnknownMember(name);
        address owner = m.owner;
        string[] storage ks = keys[id];
        for (uint256 i = 0; i < ks.length; i++) {
            bytes32 k = keccak256(bytes(ks[i]));
            delete values[id][k];
            delete keyIndex[id][k];
        }
        delete keys[id];
        uint256 idx = nameIndex[id] - 1;
        uint256 last = names.length - 1;
        if (idx != last) {
            names[idx] = names[last];
            nameIndex[keccak256(bytes(names[idx]))] = idx + 1;
        }
        names.pop();
        delete nameIndex[id];
        delete ownerOf[owner];
        delete members[id];
        emit MemberRemoved(name, owner);
    }

    function setStatus(string calldata name, Status status) external onlyAdmin {
        bytes32 id = keccak256(bytes(name));
        if (members[id].status == Status.None) revert UnknownMember(name);
        if (status == Status.None) revert BadArgument("status");
        members[id].status = status;
        emit MemberStatusChanged(name, status);
    }

    function _owned(string calldata name) private view returns (bytes32 id) {
        id = keccak256(bytes(name));
        Member storage m = members[id];
        if (m.status == Status.None) revert UnknownMember(name);
        if (m.owner != msg.sender) revert NotOwner(name, msg.sender);
    }

    function setProfile(string calldata name, string calldata key, string calldata value) external {
        bytes32 id = _owned(name);
        if (bytes(key).length == 0) revert BadArgument("key");
        bytes32 k = keccak256(bytes(key));
        if (keyIndex[id][k] == 0) {
            keys[id].push(key);
            keyIndex[id][k] = keys[id].length;
        }
        values[id][k] = value;
        emit ProfileSet(name, key, value);
    }

    function deleteProfile(string calldata name, string calldata key) external {
        bytes32 id = _owned(name);
        bytes32 k = keccak256(bytes(key));
        uint256 i = keyIndex[id][k];
        if (i == 0) revert BadArgument("key");
        string[] storage ks = keys[id];
        uint256 last = ks.length - 1;
        if (i - 1 != last) {
            ks[i - 1] = ks[last];
            keyIndex[id][keccak256(bytes(ks[i - 1]))] = i;
        }
        ks.pop();
        delete keyIndex[id][k];
        delete values[id][k];
        emit ProfileDeleted(name, key);
    }

    function memberNames() external view returns (string[] memory) {
        return names;
    }

    function getMember(string calldata name) external view returns (Member memory) {
        Member memory m = members[keccak256(bytes(name))];
        if (m.status == Status.None) revert UnknownMember(name);
        return m;
    }

    function memberOf(address owner) external view returns (string memory) {
        bytes32 id = ownerOf[owner];
        if (id == bytes32(0)) revert BadArgument("owner");
        return members[id].name;
    }

    function getProfile(string calldata name) external view returns (string[] memory ks, string[] memory vs) {
        bytes32 id = keccak256(bytes(name));
        if (members[id].status == Status.None) revert UnknownMember(name);
        ks = keys[id];
        vs = new string[](ks.length);
        for (uint256 i = 0; i < ks.length; i++) {
            vs[i] = values[id][keccak256(bytes(ks[i]))];
        }
    }

    function profileValue(string calldata name, string calldata key) external view returns (string memory value, bool found) {
        bytes32 id = keccak256(bytes(name));
        if (members[id].status == Status.None) revert UnknownMember(name);
        bytes32 k = keccak256(bytes(key));
        return (values[id][k], keyIndex[id][k] != 0);
    }
}
