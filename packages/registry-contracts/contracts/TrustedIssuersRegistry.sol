// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Governed} from "./Governed.sol";

/// @title TrustedIssuersRegistry
/// @notice EBSI-style accreditation chains: governance appoints Root TAOs, a Root TAO or TAO
/// accredits TAOs and Trusted Issuers, each hop for a set of credential types (hashes of the
/// type names) that it must hold itself, within its own validity window, with the hash and
/// URI of the accreditation document. Records are append-only and keep valid-from,
/// valid-until and revoked-at, so a verifier can evaluate every hop now or at a past time.
/// @dev GDPR: subjects are legal entities (their did:ethr addresses); no holder data.
contract TrustedIssuersRegistry is Governed {
    enum Role {
        None,
        RootTAO,
        TAO,
        TrustedIssuer
    }

    struct Accreditation {
        address accreditor; // governance owner at the time, for Root TAOs
        uint32 parentIndex; // index of the accreditor's record this one derives from
        Role role;
        uint8 depth; // 0 for a Root TAO
        uint64 validFrom;
        uint64 validUntil; // exclusive
        uint64 revokedAt; // 0 while not revoked
        uint64 issuedAt;
        bytes32 documentHash;
        string documentUri;
        bytes32[] types;
    }

    /// What an accreditor grants: credential types (keccak256 of each type name), the
    /// validity window [validFrom, validUntil) and the accreditation document.
    struct Grant {
        bytes32[] types;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 documentHash;
        string documentUri;
    }

    struct Hop {
        address subject;
        uint256 index;
        Accreditation accreditation;
    }

    /// A chain Root TAO -> TAO -> ... -> Trusted Issuer has at most MAX_DEPTH + 1 hops.
    uint8 public constant MAX_DEPTH = 4;
    uint256 public constant MAX_TYPES = 32;
    /// Bounds a verifier's scan of a subject's records by the number of its accreditors. Per
    /// accreditor, not per subject: a subject-wide cap let any one TAO fill a subject's
    /// append-only list and lock every other accreditor, governance included, out for good.
    uint256 public constant MAX_RECORDS_PER_ACCREDITOR = 16;
    uint256 public constant MAX_URI_LENGTH = 512;

    mapping(address subject => Accreditation[]) private _records;
    mapping(address subject => mapping(address accreditor => uint256)) private _recordsBy;

    event Accredited(
        address indexed subject, address indexed accreditor, uint256 index, Role role, bytes32 documentHash
    );
    event AccreditationRevoked(address indexed subject, uint256 index, address indexed revoker, uint64 revokedAt);

    error InvalidRole(uint8 role);
    error InvalidTypes(uint256 count);
    error InvalidWindow(uint64 validFrom, uint64 validUntil);
    error InvalidDocument();
    error AccreditationNotFound(address subject, uint256 index);
    error NotAccreditor(address caller, uint256 index);
    error AccreditorInactive(address accreditor, uint256 index);
    error TypeNotHeld(bytes32 credentialType);
    error WindowExceedsParent(uint64 validFrom, uint64 validUntil);
    error ChainTooDeep(uint256 depth);
    error TooManyRecords(address subject, address accreditor);
    error AlreadyRevoked(address subject, uint256 index);
    error NotRevoker(address caller);

    constructor(address governance) Governed(governance) {}

    // ── writes ───────────────────────────────────────────────────────────────

    /// @notice Governance appoints a Root TAO.
    function appointRootTao(address subject, Grant calldata grant) external onlyOwner returns (uint256 index) {
        _checkInput(subject, grant);
        index = _store(subject, Role.RootTAO, 0, 0, grant);
    }

    /// @notice The caller accredits `subject` as TAO or Trusted Issuer under its own record
    /// `parentIndex`, which must be a Root TAO / TAO accreditation, live up to its Root TAO,
    /// holding every type and covering the whole window: each hop narrows, never widens.
    /// `role` is 2 (TAO) or 3 (Trusted Issuer), a uint8 so that any other value gets the
    /// custom error rather than a bare ABI-decoding revert.
    function accredit(address subject, uint8 role, uint256 parentIndex, Grant calldata grant)
        external
        returns (uint256 index)
    {
        if (role != uint8(Role.TAO) && role != uint8(Role.TrustedIssuer)) revert InvalidRole(role);
        _checkInput(subject, grant);
        Accreditation storage parent = _record(msg.sender, parentIndex);
        if (parent.role != Role.RootTAO && parent.role != Role.TAO) revert NotAccreditor(msg.sender, parentIndex);
        _requireLiveChain(msg.sender, parentIndex, parent);
        if (parent.depth >= MAX_DEPTH) revert ChainTooDeep(uint256(parent.depth) + 1);
        if (grant.validFrom < parent.validFrom || grant.validUntil > parent.validUntil) {
            revert WindowExceedsParent(grant.validFrom, grant.validUntil);
        }
        bytes32[] storage held = parent.types;
        for (uint256 i = 0; i < grant.types.length; ++i) {
            if (!_contains(held, grant.types[i])) revert TypeNotHeld(grant.types[i]);
        }
        index = _store(subject, Role(role), parent.depth + 1, parentIndex, grant);
    }

    /// @notice The accreditor of a record, or governance, revokes it. Final.
    /// A Root TAO's recorded accreditor is the governance owner of its day: after a handover
    /// only the current owner revokes Root TAOs, the former one keeps no power over them.
    function revoke(address subject, uint256 index) external {
        Accreditation storage record = _record(subject, index);
        // Accreditor first: role and accreditor share the record's first slot, `owner` is one more cold read.
        if ((record.role == Role.RootTAO || msg.sender != record.accreditor) && msg.sender != owner) {
            revert NotRevoker(msg.sender);
        }
        if (record.revokedAt != 0) revert AlreadyRevoked(subject, index);
        record.revokedAt = uint64(block.timestamp);
        emit AccreditationRevoked(subject, index, msg.sender, uint64(block.timestamp));
    }

    // ── views ────────────────────────────────────────────────────────────────

    function accreditationCount(address subject) external view returns (uint256) {
        return _records[subject].length;
    }

    function getAccreditation(address subject, uint256 index) external view returns (Accreditation memory) {
        return _record(subject, index);
    }

    /// @notice The hops from `subject`'s record `index` up to its Root TAO, leaf first.
    function getChain(address subject, uint256 index) public view returns (Hop[] memory hops) {
        Hop[] memory buffer = new Hop[](uint256(MAX_DEPTH) + 1);
        uint256 count;
        address current = subject;
        uint256 currentIndex = index;
        while (true) {
            Accreditation storage record = _record(current, currentIndex);
            buffer[count++] = Hop(current, currentIndex, record);
            if (record.role == Role.RootTAO) break;
            current = record.accreditor;
            currentIndex = record.parentIndex;
        }
        hops = new Hop[](count);
        for (uint256 i = 0; i < count; ++i) {
            hops[i] = buffer[i];
        }
    }

    /// @notice True when every hop from `subject`'s record `index` to its Root TAO was
    /// active at `at` and held `credentialType`. Returns the root so the caller can check it
    /// is one it trusts.
    function isAccreditedAt(address subject, uint256 index, bytes32 credentialType, uint64 at)
        external
        view
        returns (bool accredited, address rootTao)
    {
        Hop[] memory hops = getChain(subject, index);
        rootTao = hops[hops.length - 1].subject;
        for (uint256 i = 0; i < hops.length; ++i) {
            Accreditation memory a = hops[i].accreditation;
            if (at < a.validFrom || at >= a.validUntil || (a.revokedAt != 0 && at >= a.revokedAt)) {
                return (false, rootTao);
            }
            bool found;
            for (uint256 k = 0; k < a.types.length; ++k) {
                if (a.types[k] == credentialType) {
                    found = true;
                    break;
                }
            }
            if (!found) return (false, rootTao);
        }
        return (true, rootTao);
    }

    // ── internals ────────────────────────────────────────────────────────────

    function _checkInput(address subject, Grant calldata grant) private pure {
        if (subject == address(0)) revert ZeroAddress();
        if (grant.types.length == 0 || grant.types.length > MAX_TYPES) revert InvalidTypes(grant.types.length);
        if (grant.validFrom >= grant.validUntil) revert InvalidWindow(grant.validFrom, grant.validUntil);
        uint256 uriLength = bytes(grant.documentUri).length;
        if (grant.documentHash == bytes32(0) || uriLength == 0 || uriLength > MAX_URI_LENGTH) {
            revert InvalidDocument();
        }
    }

    function _store(address subject, Role role, uint8 depth, uint256 parentIndex, Grant calldata grant)
        private
        returns (uint256 index)
    {
        uint256 written = _recordsBy[subject][msg.sender];
        if (written >= MAX_RECORDS_PER_ACCREDITOR) revert TooManyRecords(subject, msg.sender);
        _recordsBy[subject][msg.sender] = written + 1;
        Accreditation[] storage records = _records[subject];
        index = records.length;
        Accreditation storage record = records.push();
        record.accreditor = msg.sender;
        record.parentIndex = uint32(parentIndex);
        record.role = role;
        record.depth = depth;
        record.validFrom = grant.validFrom;
        record.validUntil = grant.validUntil;
        record.issuedAt = uint64(block.timestamp);
        record.documentHash = grant.documentHash;
        record.documentUri = grant.documentUri;
        record.types = grant.types;
        emit Accredited(subject, msg.sender, index, role, grant.documentHash);
    }

    function _record(address subject, uint256 index) private view returns (Accreditation storage) {
        Accreditation[] storage records = _records[subject];
        if (index >= records.length) revert AccreditationNotFound(subject, index);
        return records[index];
    }

    /// The accreditor's record and every hop above it must be live now, not only the parent:
    /// a TAO under a revoked Root TAO could otherwise keep writing records whose validFrom
    /// lies before that revocation, and those would pass `isAccreditedAt` at past times.
    /// Bounded: depth strictly decreases towards the Root TAO.
    function _requireLiveChain(address subject, uint256 index, Accreditation storage record) private view {
        uint64 at = uint64(block.timestamp);
        while (true) {
            if (!_activeAt(record, at)) revert AccreditorInactive(subject, index);
            if (record.role == Role.RootTAO) return;
            subject = record.accreditor;
            index = record.parentIndex;
            record = _records[subject][index];
        }
    }

    function _activeAt(Accreditation storage a, uint64 at) private view returns (bool) {
        return at >= a.validFrom && at < a.validUntil && (a.revokedAt == 0 || at < a.revokedAt);
    }

    function _contains(bytes32[] storage list, bytes32 value) private view returns (bool) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == value) return true;
        }
        return false;
    }
}
