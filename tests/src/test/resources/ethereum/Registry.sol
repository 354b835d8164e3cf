// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Events, a custom revert error, CREATE2 and an access list of readers.
contract Registry {
    error NotReader(address caller);

    event Noted(address indexed by, uint256 indexed value, string text);
    event Created(address indexed child, bytes32 indexed salt);
    event Granted(address indexed reader);

    address public immutable owner;
    mapping(address => bool) public readers;

    constructor() {
        owner = msg.sender;
        readers[msg.sender] = true;
    }

    function grant(address reader) external {
        if (msg.sender != owner) revert NotReader(msg.sender);
        readers[reader] = true;
        emit Granted(reader);
    }

    function note(uint256 value, string calldata text) external {
        emit Noted(msg.sender, value, text);
    }

    /// Readers only: eth_call with and without rights.
    function secret() external view returns (uint256) {
        if (!readers[msg.sender]) revert NotReader(msg.sender);
        return 42;
    }

    function create(bytes32 salt) external returns (address child) {
        child = address(new Child{salt: salt}(msg.sender));
        emit Created(child, salt);
    }

    function predict(bytes32 salt, address creator) external view returns (address) {
        bytes32 code = keccak256(abi.encodePacked(type(Child).creationCode, abi.encode(creator)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, code)))));
    }

    function canRead(address reader) external view returns (bool) {
        return readers[reader];
    }
}

contract Child {
    address public immutable parent;
    address public immutable creator;

    constructor(address creator_) {
        parent = msg.sender;
        creator = creator_;
    }
}
