// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Consign hash pinning
/// @notice Records that a 32-byte hash (a document or transfer hash) was
/// pinned, by whom, in which block and at what time. The first pin of a
/// hash wins; pinning it again changes nothing and emits no event, so a
/// batch may safely repeat hashes. The transaction is found from the
/// Pinned event in the recorded block.
contract Pin {
    // One storage slot per hash (20 + 6 + 6 bytes): new storage is the
    // dominant cost of a pin.
    struct Record {
        address by;
        uint48 blockNumber;
        uint48 timestamp;
    }

    error EmptyBatch();

    event Pinned(bytes32 indexed hash, address indexed by, uint64 timestamp);

    mapping(bytes32 => Record) private records;

    function pin(bytes32 hash) external {
        _pin(hash);
    }

    function pinBatch(bytes32[] calldata hashes) external {
        if (hashes.length == 0) revert EmptyBatch();
        for (uint256 i = 0; i < hashes.length; i++) {
            _pin(hashes[i]);
        }
    }

    function _pin(bytes32 hash) private {
        if (records[hash].blockNumber != 0) return;
        records[hash] = Record(msg.sender, uint48(block.number), uint48(block.timestamp));
        emit Pinned(hash, msg.sender, uint64(block.timestamp));
    }

    function pinned(bytes32 hash) external view returns (Record memory) {
        return records[hash];
    }
}
