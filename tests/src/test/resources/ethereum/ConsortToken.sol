// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// An OpenZeppelin ERC-20 whose transactions and events only its owner and its holders may see
/// on Consort: the node asks canRead(address) before showing them to anyone but the sender.
contract ConsortToken is ERC20 {
    address public immutable owner;

    constructor(uint256 supply) ERC20("Consort Token", "CST") {
        owner = msg.sender;
        _mint(msg.sender, supply);
    }

    function canRead(address reader) external view returns (bool) {
        return reader == owner || balanceOf(reader) > 0;
    }
}
