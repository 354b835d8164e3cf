// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Consort benchmark compute loop
/// @notice Pure computation for the EVM interpreter benchmark: a hash chain mixed with
/// multiplication, addition, shifts and a small memory buffer. No storage access.
contract Compute {
    function run(uint256 rounds, bytes32 seed) external pure returns (bytes32 acc, uint256 mix) {
        acc = seed;
        mix = uint256(seed) | 1;
        uint256[4] memory lanes;
        unchecked {
            for (uint256 i = 0; i < rounds; ++i) {
                // Hash in the scratch space so that memory does not grow with the rounds.
                assembly ("memory-safe") {
                    mstore(0x00, acc)
                    mstore(0x20, i)
                    acc := keccak256(0x00, 0x40)
                }
                mix = mix * 6364136223846793005 + uint256(acc);
                mix ^= mix >> 29;
                lanes[i & 3] += mix % 1000003;
            }
        }
        mix ^= lanes[0] ^ lanes[1] ^ lanes[2] ^ lanes[3];
    }
}
