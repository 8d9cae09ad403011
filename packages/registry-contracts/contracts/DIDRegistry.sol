// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title DIDRegistry
/// @notice ERC-1056 compatible registry for did:ethr documents of legal entities (issuers,
/// accreditation bodies). The unsigned functions, the three events and `changed(address)`
/// keep ERC-1056's exact signatures so that the unmodified `ethr-did-resolver` reads it.
/// ERC-1056's weaknesses are fixed: relayed writes are EIP-712 signatures bound to chainId,
/// this contract, a per-identity nonce and a deadline, and `deactivate` is final.
/// @dev GDPR: only entity identities are written here; the contract never sees holder data.
contract DIDRegistry {
    /// One slot per identity: the owner, the deactivation flag and the block of the last
    /// change share a word so that an owner check plus the `changed` bump costs one cold
    /// access instead of two (ERC-1056 keeps them in two mappings).
    struct Identity {
        address owner;
        bool deactivated;
        uint64 changed;
    }

    mapping(address identity => Identity) private _identities;
    /// identity => delegateType => delegate => validTo (unix seconds). Same layout as ERC-1056.
    mapping(address identity => mapping(bytes32 delegateType => mapping(address delegate => uint256))) public delegates;
    /// Per-identity EIP-712 nonce: every accepted signature consumes one.
    mapping(address identity => uint256) public nonce;

    event DIDOwnerChanged(address indexed identity, address owner, uint256 previousChange);
    event DIDDelegateChanged(
        address indexed identity, bytes32 delegateType, address delegate, uint256 validTo, uint256 previousChange
    );
    event DIDAttributeChanged(
        address indexed identity, bytes32 name, bytes value, uint256 validTo, uint256 previousChange
    );

    error NotIdentityOwner(address identity, address caller);
    error IdentityDeactivated(address identity);
    error ZeroAddress();
    error InvalidSignature();
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    error ValidityTooLong(uint256 validity);

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("CivitasDIDRegistry");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 public constant CHANGE_OWNER_TYPEHASH =
        keccak256("ChangeOwner(address identity,address newOwner,uint256 nonce,uint256 deadline)");
    bytes32 public constant ADD_DELEGATE_TYPEHASH = keccak256(
        "AddDelegate(address identity,bytes32 delegateType,address delegate,uint256 validity,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant REVOKE_DELEGATE_TYPEHASH = keccak256(
        "RevokeDelegate(address identity,bytes32 delegateType,address delegate,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant SET_ATTRIBUTE_TYPEHASH = keccak256(
        "SetAttribute(address identity,bytes32 name,bytes value,uint256 validity,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant REVOKE_ATTRIBUTE_TYPEHASH =
        keccak256("RevokeAttribute(address identity,bytes32 name,bytes value,uint256 nonce,uint256 deadline)");
    bytes32 public constant DEACTIVATE_TYPEHASH =
        keccak256("Deactivate(address identity,uint256 nonce,uint256 deadline)");

    /// secp256k1n / 2: signatures with a higher `s` are malleable twins and are refused.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// Validity is added to block.timestamp; this bound keeps the sum far from overflow.
    uint256 private constant MAX_VALIDITY = type(uint64).max;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    constructor() {
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
    }

    // ── views ────────────────────────────────────────────────────────────────

    /// @notice The controller of `identity`: itself until changed, address(0) once deactivated.
    function identityOwner(address identity) public view returns (address) {
        Identity memory id = _identities[identity];
        if (id.deactivated) return address(0);
        return id.owner == address(0) ? identity : id.owner;
    }

    /// @notice ERC-1056 `owners` getter: the explicitly set owner (zero when never changed).
    function owners(address identity) external view returns (address) {
        return _identities[identity].owner;
    }

    /// @notice Block number of the last change (the head of the event linked list).
    function changed(address identity) external view returns (uint256) {
        return _identities[identity].changed;
    }

    function deactivated(address identity) external view returns (bool) {
        return _identities[identity].deactivated;
    }

    function validDelegate(address identity, bytes32 delegateType, address delegate) external view returns (bool) {
        if (_identities[identity].deactivated) return false;
        return delegates[identity][delegateType][delegate] > block.timestamp;
    }

    function domainSeparator() public view returns (bytes32) {
        // Recomputed after a fork so that a signature never travels between chains.
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    // ── owner-sent writes (ERC-1056 signatures) ──────────────────────────────

    function changeOwner(address identity, address newOwner) external {
        _changeOwner(identity, _authorise(identity, msg.sender), newOwner);
    }

    function addDelegate(address identity, bytes32 delegateType, address delegate, uint256 validity) external {
        _addDelegate(identity, _authorise(identity, msg.sender), delegateType, delegate, validity);
    }

    function revokeDelegate(address identity, bytes32 delegateType, address delegate) external {
        _revokeDelegate(identity, _authorise(identity, msg.sender), delegateType, delegate);
    }

    function setAttribute(address identity, bytes32 name, bytes calldata value, uint256 validity) external {
        _setAttribute(identity, _authorise(identity, msg.sender), name, value, validity);
    }

    function revokeAttribute(address identity, bytes32 name, bytes calldata value) external {
        _revokeAttribute(identity, _authorise(identity, msg.sender), name, value);
    }

    /// @notice Final: the identity can never be written again and its delegates stop being valid.
    /// Emits DIDOwnerChanged(identity, 0x0) which ERC-1056 resolvers read as deactivation.
    function deactivate(address identity) external {
        _deactivate(identity, _authorise(identity, msg.sender));
    }

    // ── relayed writes (EIP-712, signed by the identity owner) ───────────────

    /// A relayed write's authorisation: the owner's EIP-712 signature (v, r, s) over the
    /// operation, this chain, this contract, the identity's nonce and `deadline`.
    struct Signature {
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    function changeOwnerSigned(address identity, address newOwner, Signature calldata sig) external {
        Identity memory id = _checkSigned(
            identity,
            keccak256(abi.encode(CHANGE_OWNER_TYPEHASH, identity, newOwner, nonce[identity], sig.deadline)),
            sig
        );
        _changeOwner(identity, id, newOwner);
    }

    function addDelegateSigned(
        address identity,
        bytes32 delegateType,
        address delegate,
        uint256 validity,
        Signature calldata sig
    ) external {
        Identity memory id = _checkSigned(
            identity,
            keccak256(
                abi.encode(
                    ADD_DELEGATE_TYPEHASH, identity, delegateType, delegate, validity, nonce[identity], sig.deadline
                )
            ),
            sig
        );
        _addDelegate(identity, id, delegateType, delegate, validity);
    }

    function revokeDelegateSigned(address identity, bytes32 delegateType, address delegate, Signature calldata sig)
        external
    {
        Identity memory id = _checkSigned(
            identity,
            keccak256(
                abi.encode(REVOKE_DELEGATE_TYPEHASH, identity, delegateType, delegate, nonce[identity], sig.deadline)
            ),
            sig
        );
        _revokeDelegate(identity, id, delegateType, delegate);
    }

    function setAttributeSigned(
        address identity,
        bytes32 name,
        bytes calldata value,
        uint256 validity,
        Signature calldata sig
    ) external {
        Identity memory id = _checkSigned(
            identity,
            keccak256(
                abi.encode(
                    SET_ATTRIBUTE_TYPEHASH, identity, name, keccak256(value), validity, nonce[identity], sig.deadline
                )
            ),
            sig
        );
        _setAttribute(identity, id, name, value, validity);
    }

    function revokeAttributeSigned(address identity, bytes32 name, bytes calldata value, Signature calldata sig)
        external
    {
        Identity memory id = _checkSigned(
            identity,
            keccak256(
                abi.encode(REVOKE_ATTRIBUTE_TYPEHASH, identity, name, keccak256(value), nonce[identity], sig.deadline)
            ),
            sig
        );
        _revokeAttribute(identity, id, name, value);
    }

    function deactivateSigned(address identity, Signature calldata sig) external {
        Identity memory id = _checkSigned(
            identity, keccak256(abi.encode(DEACTIVATE_TYPEHASH, identity, nonce[identity], sig.deadline)), sig
        );
        _deactivate(identity, id);
    }

    // ── internals ────────────────────────────────────────────────────────────

    function _authorise(address identity, address actor) private view returns (Identity memory id) {
        id = _identities[identity];
        if (id.deactivated) revert IdentityDeactivated(identity);
        address owner = id.owner == address(0) ? identity : id.owner;
        if (actor != owner) revert NotIdentityOwner(identity, actor);
    }

    /// A signature authorises only when it recovers to the live owner; ecrecover's zero
    /// result, high-s twins and v outside {27, 28} are refused before any comparison.
    function _checkSigned(address identity, bytes32 structHash, Signature calldata sig)
        private
        returns (Identity memory id)
    {
        if (block.timestamp > sig.deadline) revert SignatureExpired(sig.deadline, block.timestamp);
        id = _identities[identity];
        if (id.deactivated) revert IdentityDeactivated(identity);
        uint8 v = sig.v;
        bytes32 r = sig.r;
        bytes32 s = sig.s;
        if ((v != 27 && v != 28) || uint256(s) > HALF_ORDER || r == bytes32(0) || s == bytes32(0)) {
            revert InvalidSignature();
        }
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
        address signer = ecrecover(digest, v, r, s);
        address owner = id.owner == address(0) ? identity : id.owner;
        if (signer == address(0) || signer != owner) revert InvalidSignature();
        unchecked {
            nonce[identity]++;
        }
    }

    function _changeOwner(address identity, Identity memory id, address newOwner) private {
        if (newOwner == address(0)) revert ZeroAddress();
        uint256 previous = id.changed;
        _identities[identity] = Identity(newOwner, false, uint64(block.number));
        emit DIDOwnerChanged(identity, newOwner, previous);
    }

    function _addDelegate(
        address identity,
        Identity memory id,
        bytes32 delegateType,
        address delegate,
        uint256 validity
    ) private {
        if (delegate == address(0)) revert ZeroAddress();
        if (validity > MAX_VALIDITY) revert ValidityTooLong(validity);
        uint256 validTo = block.timestamp + validity;
        delegates[identity][delegateType][delegate] = validTo;
        uint256 previous = _touch(identity, id);
        emit DIDDelegateChanged(identity, delegateType, delegate, validTo, previous);
    }

    /// ERC-1056 writes `validTo = block.timestamp` here, but ethr-did-resolver keeps a delegate
    /// while `validTo >= now` and resolves `?versionId=` at that block's timestamp: the revoked
    /// key would still be listed at its revocation block. One second earlier is in the past for
    /// both the resolver and `validDelegate`.
    function _revokeDelegate(address identity, Identity memory id, bytes32 delegateType, address delegate) private {
        if (delegate == address(0)) revert ZeroAddress();
        uint256 validTo = block.timestamp - 1;
        delegates[identity][delegateType][delegate] = validTo;
        uint256 previous = _touch(identity, id);
        emit DIDDelegateChanged(identity, delegateType, delegate, validTo, previous);
    }

    function _setAttribute(
        address identity,
        Identity memory id,
        bytes32 name,
        bytes calldata value,
        uint256 validity
    ) private {
        if (validity > MAX_VALIDITY) revert ValidityTooLong(validity);
        uint256 previous = _touch(identity, id);
        emit DIDAttributeChanged(identity, name, value, block.timestamp + validity, previous);
    }

    function _revokeAttribute(address identity, Identity memory id, bytes32 name, bytes calldata value) private {
        uint256 previous = _touch(identity, id);
        emit DIDAttributeChanged(identity, name, value, 0, previous);
    }

    function _deactivate(address identity, Identity memory id) private {
        uint256 previous = id.changed;
        _identities[identity] = Identity(address(0), true, uint64(block.number));
        emit DIDOwnerChanged(identity, address(0), previous);
    }

    /// Bumps `changed` to this block and returns the previous value for the event chain.
    /// Skips the store when several changes land in one block (resolvers read them together).
    function _touch(address identity, Identity memory id) private returns (uint256 previous) {
        previous = id.changed;
        if (previous != block.number) {
            _identities[identity].changed = uint64(block.number);
        }
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
