// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title StatusRegistry
/// @notice Credential status lists owned by issuers. A list lives in the namespace of its
/// issuer's address plus a list id, holds at least 131,072 entries packed 256 per storage
/// word, and has one purpose: revocation (a set bit is final) or suspension (bits can be
/// cleared again). Entry `i` is bit `255 - (i % 256)` of word `i / 256`, so the words read as
/// big-endian bytes are exactly a W3C Bitstring Status List (index 0 = MSB of byte 0).
/// @dev GDPR: only indices reach this contract. Indices are drawn at random off-chain and
/// updates are batched, so nothing here links to a holder.
contract StatusRegistry {
    enum Purpose {
        None,
        Revocation,
        Suspension
    }

    struct List {
        Purpose purpose;
        uint40 length;
    }

    /// Herd privacy needs large lists: W3C Bitstring Status List's recommended minimum.
    uint256 public constant MIN_LIST_LENGTH = 131_072;
    /// Keeps every index below 2^32 so clients can use plain numbers.
    uint256 public constant MAX_LIST_LENGTH = 1 << 32;

    mapping(address issuer => mapping(uint64 listId => List)) private _lists;
    mapping(address issuer => mapping(uint64 listId => mapping(uint256 wordIndex => uint256))) private _words;
    /// issuer => operational key => valid until (unix seconds, exclusive).
    mapping(address issuer => mapping(address delegate => uint64)) private _delegates;

    event StatusListCreated(address indexed issuer, uint64 indexed listId, Purpose purpose, uint256 length);
    /// One event per changed word carrying its new value, so indexers can rebuild the list.
    event StatusWordChanged(address indexed issuer, uint64 indexed listId, uint256 wordIndex, uint256 word);
    event StatusDelegateChanged(address indexed issuer, address indexed delegate, uint64 validUntil);

    error ListNotFound(address issuer, uint64 listId);
    error ListAlreadyExists(address issuer, uint64 listId);
    error ListTooShort(uint256 length, uint256 minimum);
    error InvalidListLength(uint256 length);
    error InvalidPurpose(uint8 purpose);
    error WrongPurpose(uint64 listId, Purpose purpose);
    error IndexOutOfRange(uint256 index, uint256 length);
    error WordOutOfRange(uint256 wordIndex, uint256 words);
    error WordsNotAscending(uint256 position);
    error LengthMismatch(uint256 words, uint256 masks);
    error NotIssuerOrDelegate(address issuer, address caller);
    error ZeroAddress();
    error ExpiryInPast(uint64 validUntil);

    // ── lists ────────────────────────────────────────────────────────────────

    /// @notice Creates list `listId` in the caller's namespace. `length` is a multiple of 256.
    function createList(uint64 listId, Purpose purpose, uint256 length) external {
        if (purpose == Purpose.None) revert InvalidPurpose(uint8(purpose));
        if (length < MIN_LIST_LENGTH) revert ListTooShort(length, MIN_LIST_LENGTH);
        if (length > MAX_LIST_LENGTH || length % 256 != 0) revert InvalidListLength(length);
        List storage list = _lists[msg.sender][listId];
        if (list.purpose != Purpose.None) revert ListAlreadyExists(msg.sender, listId);
        list.purpose = purpose;
        list.length = uint40(length);
        emit StatusListCreated(msg.sender, listId, purpose, length);
    }

    /// @notice Lets `delegate` write the caller's lists until `validUntil`; 0 removes it.
    function setDelegate(address delegate, uint64 validUntil) external {
        if (delegate == address(0)) revert ZeroAddress();
        if (validUntil != 0 && validUntil <= block.timestamp) revert ExpiryInPast(validUntil);
        _delegates[msg.sender][delegate] = validUntil;
        emit StatusDelegateChanged(msg.sender, delegate, validUntil);
    }

    // ── writes ───────────────────────────────────────────────────────────────

    /// @notice Sets one entry (revokes or suspends it).
    function set(address issuer, uint64 listId, uint256 index) external {
        uint256 length = _writable(issuer, listId, false);
        if (index >= length) revert IndexOutOfRange(index, length);
        _apply(issuer, listId, index >> 8, (1 << 255) >> (index & 255), true);
    }

    /// @notice Clears one entry (lifts a suspension). Revocation lists refuse.
    function clear(address issuer, uint64 listId, uint256 index) external {
        uint256 length = _writable(issuer, listId, true);
        if (index >= length) revert IndexOutOfRange(index, length);
        _apply(issuer, listId, index >> 8, (1 << 255) >> (index & 255), false);
    }

    /// @notice Sets many entries: `masks[k]` is OR-ed into word `wordIndices[k]`.
    /// Word indices must be strictly ascending, which rules out duplicates and double events.
    function setMasks(address issuer, uint64 listId, uint256[] calldata wordIndices, uint256[] calldata masks)
        external
    {
        _applyMasks(issuer, listId, wordIndices, masks, true);
    }

    /// @notice Clears many entries of a suspension list: word &= ~mask.
    function clearMasks(address issuer, uint64 listId, uint256[] calldata wordIndices, uint256[] calldata masks)
        external
    {
        _applyMasks(issuer, listId, wordIndices, masks, false);
    }

    // ── views ────────────────────────────────────────────────────────────────

    function getList(address issuer, uint64 listId) external view returns (Purpose purpose, uint256 length) {
        List memory list = _lists[issuer][listId];
        return (list.purpose, list.length);
    }

    /// @notice True when entry `index` is set (revoked / suspended).
    function isSet(address issuer, uint64 listId, uint256 index) external view returns (bool) {
        uint256 length = _existing(issuer, listId).length;
        if (index >= length) revert IndexOutOfRange(index, length);
        return _words[issuer][listId][index >> 8] & ((1 << 255) >> (index & 255)) != 0;
    }

    /// @notice `count` words from `fromWord`, to rebuild a Bitstring or Token Status List.
    function getWords(address issuer, uint64 listId, uint256 fromWord, uint256 count)
        external
        view
        returns (uint256[] memory words)
    {
        uint256 total = uint256(_existing(issuer, listId).length) >> 8;
        if (fromWord > total || count > total - fromWord) revert WordOutOfRange(fromWord + count, total);
        words = new uint256[](count);
        mapping(uint256 => uint256) storage source = _words[issuer][listId];
        for (uint256 k = 0; k < count; ++k) {
            words[k] = source[fromWord + k];
        }
    }

    function delegateValidUntil(address issuer, address delegate) external view returns (uint64) {
        return _delegates[issuer][delegate];
    }

    function isDelegate(address issuer, address delegate) public view returns (bool) {
        return _delegates[issuer][delegate] > block.timestamp;
    }

    // ── internals ────────────────────────────────────────────────────────────

    /// Checks the caller and the list; returns the list length. The issuer path costs no
    /// storage read beyond the list itself.
    function _writable(address issuer, uint64 listId, bool clearing) private view returns (uint256) {
        if (msg.sender != issuer && _delegates[issuer][msg.sender] <= block.timestamp) {
            revert NotIssuerOrDelegate(issuer, msg.sender);
        }
        List memory list = _existing(issuer, listId);
        if (clearing && list.purpose != Purpose.Suspension) revert WrongPurpose(listId, list.purpose);
        return list.length;
    }

    function _existing(address issuer, uint64 listId) private view returns (List memory list) {
        list = _lists[issuer][listId];
        if (list.purpose == Purpose.None) revert ListNotFound(issuer, listId);
    }

    function _applyMasks(
        address issuer,
        uint64 listId,
        uint256[] calldata wordIndices,
        uint256[] calldata masks,
        bool setting
    ) private {
        if (wordIndices.length != masks.length) revert LengthMismatch(wordIndices.length, masks.length);
        uint256 words = _writable(issuer, listId, !setting) >> 8;
        uint256 previous;
        for (uint256 k = 0; k < wordIndices.length; ++k) {
            uint256 wordIndex = wordIndices[k];
            if (k != 0 && wordIndex <= previous) revert WordsNotAscending(k);
            if (wordIndex >= words) revert WordOutOfRange(wordIndex, words);
            previous = wordIndex;
            _apply(issuer, listId, wordIndex, masks[k], setting);
        }
    }

    /// Writes and logs only when the word actually changes: repeated revocations are no-ops.
    function _apply(address issuer, uint64 listId, uint256 wordIndex, uint256 mask, bool setting) private {
        mapping(uint256 => uint256) storage words = _words[issuer][listId];
        uint256 before = words[wordIndex];
        uint256 next = setting ? before | mask : before & ~mask;
        if (next != before) {
            words[wordIndex] = next;
            emit StatusWordChanged(issuer, listId, wordIndex, next);
        }
    }
}
