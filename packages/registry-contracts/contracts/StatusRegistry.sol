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

    /// Herd privacy needs large lists: W3C Bitstring Status List's recommended minimum.
    uint256 public constant MIN_LIST_LENGTH = 131_072;
    /// Keeps every index below 2^32 so clients can use plain numbers.
    uint256 public constant MAX_LIST_LENGTH = 1 << 32;

    /// purpose | length << 8, zero while the list does not exist. One word read per write.
    mapping(address issuer => mapping(uint64 listId => uint256)) private _lists;
    mapping(address issuer => mapping(uint64 listId => mapping(uint256 wordIndex => uint256))) private _words;
    /// issuer => operational key => valid until (unix seconds, exclusive).
    mapping(address issuer => mapping(address delegate => uint64)) private _delegates;

    event StatusListCreated(address indexed issuer, uint64 indexed listId, Purpose purpose, uint256 length);
    /// One event per changed word carrying its new value, so indexers can rebuild the list.
    event StatusWordChanged(address indexed issuer, uint64 indexed listId, uint256 wordIndex, uint256 word);
    bytes32 private constant STATUS_WORD_CHANGED = keccak256("StatusWordChanged(address,uint64,uint256,uint256)");
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

    /// @notice Creates list `listId` in the caller's namespace with `purpose` (1 revocation,
    /// 2 suspension; a uint8 so that any other value gets the custom error, not a bare
    /// ABI-decoding revert). `length` is a multiple of 256.
    function createList(uint64 listId, uint8 purpose, uint256 length) external {
        if (purpose != uint8(Purpose.Revocation) && purpose != uint8(Purpose.Suspension)) {
            revert InvalidPurpose(purpose);
        }
        if (length < MIN_LIST_LENGTH) revert ListTooShort(length, MIN_LIST_LENGTH);
        if (length > MAX_LIST_LENGTH || length % 256 != 0) revert InvalidListLength(length);
        mapping(uint64 => uint256) storage lists = _lists[msg.sender];
        if (lists[listId] != 0) revert ListAlreadyExists(msg.sender, listId);
        lists[listId] = uint256(purpose) | (length << 8);
        emit StatusListCreated(msg.sender, listId, Purpose(purpose), length);
    }

    /// @notice Lets `delegate` write the caller's lists until `validUntil`; 0 removes it.
    function setDelegate(address delegate, uint64 validUntil) external {
        if (delegate == address(0)) revert ZeroAddress();
        if (validUntil != 0 && validUntil <= block.timestamp) revert ExpiryInPast(validUntil);
        _delegates[msg.sender][delegate] = validUntil;
        emit StatusDelegateChanged(msg.sender, delegate, validUntil);
    }

    // ── writes ───────────────────────────────────────────────────────────────
    // Two forms, like ERC-20's transfer / transferFrom: the issuer writes its own lists
    // (namespace = msg.sender, no issuer in calldata: the cheapest revocation), a delegate
    // writes an issuer's lists with the `...For` form.

    /// @notice Sets one entry of the caller's list (revokes or suspends it).
    function set(uint64 listId, uint256 index) external {
        _setOne(msg.sender, listId, index, true);
    }

    /// @notice Clears one entry of the caller's list (lifts a suspension). Revocation lists refuse.
    function clear(uint64 listId, uint256 index) external {
        _setOne(msg.sender, listId, index, false);
    }

    /// @notice Sets many entries of the caller's list: `masks[k]` is OR-ed into word
    /// `wordIndices[k]`. Word indices must be strictly ascending (no duplicates, one event per word).
    function setMasks(uint64 listId, uint256[] calldata wordIndices, uint256[] calldata masks) external {
        _applyMasks(msg.sender, listId, wordIndices, masks, true);
    }

    /// @notice Clears many entries of the caller's suspension list: word &= ~mask.
    function clearMasks(uint64 listId, uint256[] calldata wordIndices, uint256[] calldata masks) external {
        _applyMasks(msg.sender, listId, wordIndices, masks, false);
    }

    /// @notice {set} by the issuer or a live delegate of `issuer`.
    function setFor(address issuer, uint64 listId, uint256 index) external {
        _setOne(issuer, listId, index, true);
    }

    /// @notice {clear} by the issuer or a live delegate of `issuer`.
    function clearFor(address issuer, uint64 listId, uint256 index) external {
        _setOne(issuer, listId, index, false);
    }

    /// @notice {setMasks} by the issuer or a live delegate of `issuer`.
    function setMasksFor(address issuer, uint64 listId, uint256[] calldata wordIndices, uint256[] calldata masks)
        external
    {
        _applyMasks(issuer, listId, wordIndices, masks, true);
    }

    /// @notice {clearMasks} by the issuer or a live delegate of `issuer`.
    function clearMasksFor(address issuer, uint64 listId, uint256[] calldata wordIndices, uint256[] calldata masks)
        external
    {
        _applyMasks(issuer, listId, wordIndices, masks, false);
    }

    // ── views ────────────────────────────────────────────────────────────────

    function getList(address issuer, uint64 listId) external view returns (Purpose purpose, uint256 length) {
        uint256 meta = _lists[issuer][listId];
        return (Purpose(uint8(meta)), meta >> 8);
    }

    /// @notice True when entry `index` is set (revoked / suspended).
    function isSet(address issuer, uint64 listId, uint256 index) external view returns (bool) {
        uint256 length = _existing(issuer, listId) >> 8;
        if (index >= length) revert IndexOutOfRange(index, length);
        return _words[issuer][listId][index >> 8] & ((1 << 255) >> (index & 255)) != 0;
    }

    /// @notice `count` words from `fromWord`, to rebuild a Bitstring or Token Status List.
    function getWords(address issuer, uint64 listId, uint256 fromWord, uint256 count)
        external
        view
        returns (uint256[] memory words)
    {
        uint256 total = _existing(issuer, listId) >> 16;
        if (fromWord > total || count > total - fromWord) revert WordOutOfRange(fromWord, total);
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
    /// storage read beyond the list's one metadata word.
    function _writable(address issuer, uint64 listId, bool clearing) private view returns (uint256) {
        if (msg.sender != issuer && _delegates[issuer][msg.sender] <= block.timestamp) {
            revert NotIssuerOrDelegate(issuer, msg.sender);
        }
        uint256 meta = _existing(issuer, listId);
        if (clearing && uint8(meta) != uint8(Purpose.Suspension)) revert WrongPurpose(listId, Purpose(uint8(meta)));
        return meta >> 8;
    }

    function _existing(address issuer, uint64 listId) private view returns (uint256 meta) {
        meta = _lists[issuer][listId];
        if (meta == 0) revert ListNotFound(issuer, listId);
    }

    function _setOne(address issuer, uint64 listId, uint256 index, bool setting) private {
        uint256 length = _writable(issuer, listId, !setting);
        if (index >= length) revert IndexOutOfRange(index, length);
        _apply(issuer, listId, index >> 8, (1 << 255) >> (index & 255), setting);
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
    /// Assembly because this is the hot path of every revocation: the slot of
    /// `_words[issuer][listId][wordIndex]` and the event are built in scratch memory.
    function _apply(address issuer, uint64 listId, uint256 wordIndex, uint256 mask, bool setting) private {
        bytes32 topic = STATUS_WORD_CHANGED;
        assembly ("memory-safe") {
            mstore(0x00, issuer)
            mstore(0x20, _words.slot)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, listId)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, wordIndex)
            let slot := keccak256(0x00, 0x40)
            let before := sload(slot)
            let next := or(before, mask)
            if iszero(setting) { next := and(before, not(mask)) }
            if iszero(eq(next, before)) {
                sstore(slot, next)
                mstore(0x00, wordIndex)
                mstore(0x20, next)
                log3(0x00, 0x40, topic, issuer, listId)
            }
        }
    }
}
