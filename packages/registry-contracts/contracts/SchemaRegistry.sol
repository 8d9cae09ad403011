// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Governed} from "./Governed.sol";

/// @title SchemaRegistry
/// @notice Credential schemas by id, each an append-only list of versions
/// { hash of the JSON Schema, URI, publisher, time }. Whoever publishes the first version
/// becomes the schema's publisher; afterwards only the publisher or governance adds versions.
/// @dev GDPR: a schema describes a credential type, never a holder.
contract SchemaRegistry is Governed {
    struct SchemaVersion {
        bytes32 hash;
        string uri;
        address publisher;
        uint64 publishedAt;
    }

    mapping(bytes32 schemaId => address) public publisherOf;
    mapping(bytes32 schemaId => SchemaVersion[]) private _versions;

    event SchemaVersionAdded(
        bytes32 indexed schemaId, uint256 indexed version, bytes32 hash, string uri, address indexed publisher
    );
    event SchemaPublisherChanged(bytes32 indexed schemaId, address indexed publisher);

    error InvalidSchemaId();
    error InvalidSchemaHash();
    error EmptyUri();
    error NotSchemaPublisher(bytes32 schemaId, address caller);
    error SchemaNotFound(bytes32 schemaId);
    error VersionNotFound(bytes32 schemaId, uint256 version);

    constructor(address governance) Governed(governance) {}

    /// @notice Adds a version and returns its number (0 for the first).
    function addVersion(bytes32 schemaId, bytes32 hash, string calldata uri) external returns (uint256 version) {
        if (schemaId == bytes32(0)) revert InvalidSchemaId();
        if (hash == bytes32(0)) revert InvalidSchemaHash();
        if (bytes(uri).length == 0) revert EmptyUri();
        address publisher = publisherOf[schemaId];
        if (publisher == address(0)) {
            publisherOf[schemaId] = msg.sender;
        } else if (msg.sender != publisher && msg.sender != owner) {
            revert NotSchemaPublisher(schemaId, msg.sender);
        }
        SchemaVersion[] storage versions = _versions[schemaId];
        version = versions.length;
        versions.push(SchemaVersion(hash, uri, msg.sender, uint64(block.timestamp)));
        emit SchemaVersionAdded(schemaId, version, hash, uri, msg.sender);
    }

    /// @notice Hands the schema to another publisher; by its publisher or by governance.
    /// Whoever publishes first becomes the publisher, so without this a squatted id (a
    /// front-run first version) would stay in the squatter's hands for every later version.
    function setPublisher(bytes32 schemaId, address publisher) external {
        if (publisher == address(0)) revert ZeroAddress();
        address current = publisherOf[schemaId];
        if (current == address(0)) revert SchemaNotFound(schemaId);
        if (msg.sender != current && msg.sender != owner) revert NotSchemaPublisher(schemaId, msg.sender);
        publisherOf[schemaId] = publisher;
        emit SchemaPublisherChanged(schemaId, publisher);
    }

    function versionCount(bytes32 schemaId) external view returns (uint256) {
        return _versions[schemaId].length;
    }

    function getVersion(bytes32 schemaId, uint256 version) public view returns (SchemaVersion memory) {
        SchemaVersion[] storage versions = _versions[schemaId];
        if (versions.length == 0) revert SchemaNotFound(schemaId);
        if (version >= versions.length) revert VersionNotFound(schemaId, version);
        return versions[version];
    }

    function latestVersion(bytes32 schemaId) external view returns (uint256 version, SchemaVersion memory data) {
        uint256 count = _versions[schemaId].length;
        if (count == 0) revert SchemaNotFound(schemaId);
        version = count - 1;
        data = _versions[schemaId][version];
    }
}
