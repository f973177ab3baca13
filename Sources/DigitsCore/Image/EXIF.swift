// The one fact digits takes from a JPEG's EXIF block: the orientation. A reader of hostile bytes: every offset is
// checked against the data before it is followed, and anything malformed means "no orientation", never an error,
// as photo viewers treat it.
//
// Where it is: after the JPEG's start-of-image marker come segments `FF xx LEN(2, big-endian, counting itself)
// DATA`; EXIF is an APP1 segment (`FF E1`) whose data begins "Exif\0\0" and continues as a TIFF file: a byte
// order ("II" little-endian, "MM" big-endian), 42, the offset of the first directory (IFD0); a directory is a
// count (2 bytes) and that many 12-byte entries: tag (2), type (2), count (4), value or offset (4). Orientation
// is tag 0x0112, type SHORT (3), count 1, its value in the entry's first two value bytes.

enum EXIF {
    /// The orientation recorded in a JPEG's EXIF block, or nil when there is none or it cannot be read.
    static func orientation(inJPEG bytes: UnsafeRawBufferPointer) -> Orientation? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte before a marker
            // Start of scan or end of image: the metadata segments are all before it.
            if marker == 0xDA || marker == 0xD9 { return nil }
            // Markers without a length: TEM, restart markers, start of image.
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { i += 2; continue }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else { return nil }
            let segment = UnsafeRawBufferPointer(rebasing: bytes[(i + 4)..<(i + 2 + length)])
            if marker == 0xE1, segment.starts(with: Array("Exif\0\0".utf8)) {
                return orientation(inTIFF: UnsafeRawBufferPointer(rebasing: segment[(segment.startIndex + 6)...]))
            }
            i += 2 + length
        }
        return nil
    }

    /// The Orientation entry of a TIFF structure's first directory.
    static func orientation(inTIFF tiff: UnsafeRawBufferPointer) -> Orientation? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            let (a, b) = (Int(tiff[at]), Int(tiff[at + 1]))
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let first = u16(at), let second = u16(at + 2) else { return nil }
            return little ? first | second << 16 : first << 16 | second
        }
        guard u16(2) == 42, let directory = u32(4), let entries = u16(directory) else { return nil }
        for entry in 0..<entries {
            let at = directory + 2 + 12 * entry
            guard let tag = u16(at) else { return nil }
            guard tag == 0x0112 else { continue }
            guard u16(at + 2) == 3, u32(at + 4) == 1, let value = u16(at + 8) else { return nil }
            return Orientation(rawValue: value)
        }
        return nil
    }
}
