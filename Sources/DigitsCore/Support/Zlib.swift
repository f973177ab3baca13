import CZlib
import Foundation

// The one file that speaks to zlib: gzip reading for data sets and CRC-32 for model files.

/// Sequential reader of a file that may be gzip-compressed; zlib passes an uncompressed file through as it is.
final class GzipReader {
    let path: String
    private let file: gzFile
    /// How many bytes the file says it holds uncompressed: a plain file's length, or what a gzip trailer records
    /// (the length modulo 2³²). Only to size buffers by: what is read is checked as it would be without it.
    private let declaredSize: Int

    /// Opens `path` for reading, after checking that it is a readable regular file.
    init(path: String) throws(FileError) {
        try FileError.checkReadableFile(path)
        guard let file = gzopen(path, "rb") else {
            throw FileError(path: path, problem: .unreadable(reason: FileError.systemReason()))
        }
        // A larger buffer than zlib's 8 KiB default: data sets are tens of megabytes.
        gzbuffer(file, 1 << 17)
        self.file = file
        self.path = path
        declaredSize = Self.declaredSize(of: path, compressed: gzdirect(file) == 0)
    }

    private static func declaredSize(of path: String, compressed: Bool) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path), let length = try? handle.seekToEnd() else { return 0 }
        defer { try? handle.close() }
        guard compressed else { return Int(length) }
        guard length >= 4, (try? handle.seek(toOffset: length - 4)) != nil,
              let trailer = try? handle.read(upToCount: 4), trailer.count == 4 else { return 0 }
        // Deflate expands at most 1,032 to 1: a trailer claiming more is lying, and gets no more room than that.
        return min(trailer.reversed().reduce(0) { $0 << 8 | Int($1) }, 1_032 * Int(length))
    }

    deinit { gzclose(file) }

    /// Fills `buffer` from the file; returns how many bytes it read, fewer than asked only at the end of the data.
    /// A gzip stream that is cut short or corrupt is an error, not an early end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        var total = 0
        while total < buffer.count {
            let chunk = UInt32(min(buffer.count - total, 1 << 30))
            let n = gzread(file, buffer.baseAddress! + total, chunk)
            if n < 0 || (n == 0 && gzeof(file) == 0) { throw streamError(after: total) }
            if n == 0 { break }
            total += Int(n)
        }
        if total < buffer.count { try checkCleanEnd(after: total) }
        return total
    }

    /// Reads up to `count` bytes: fewer only where the data ends. Memory grows with what is actually read,
    /// 16 MiB at a time beyond the size the file declares, so a header that claims more data than the file holds
    /// costs nothing.
    func readBytes(upTo count: Int) throws(FileError) -> [UInt8] {
        var bytes: [UInt8] = []
        // Room for all at once, if the file is as large as it says: growing copies what was read each time.
        bytes.reserveCapacity(min(count, declaredSize))
        let chunk = 1 << 24
        while bytes.count < count {
            let wanted = min(chunk, count - bytes.count)
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: wanted))
            var failure: FileError?
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                do throws(FileError) {
                    return try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<start + wanted]))
                } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            if got < wanted {
                bytes.removeLast(wanted - got)
                break
            }
        }
        return bytes
    }

    /// True when no byte is left to read.
    func isAtEnd() throws(FileError) -> Bool {
        try readBytes(upTo: 1).isEmpty
    }

    private func checkCleanEnd(after total: Int) throws(FileError) {
        var code: Int32 = 0
        _ = gzerror(file, &code)
        if code != Z_OK && code != Z_STREAM_END { throw streamError(after: total) }
    }

    private func streamError(after total: Int) -> FileError {
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
        if code == Z_ERRNO {
            return FileError(path: path, problem: .unreadable(reason: FileError.systemReason()))
        }
        return FileError(path: path, problem: .corruptCompression(reason: message, afterBytes: total))
    }
}

/// CRC-32 (the polynomial of zlib, gzip and PNG) of `bytes`, continuing from `crc`.
func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
    guard var next = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return crc }
    var crc = UInt(crc)
    var remaining = bytes.count
    while remaining > 0 {
        let chunk = min(remaining, 1 << 30)  // zlib counts in UInt32
        crc = CZlib.crc32(crc, next, UInt32(chunk))
        next += chunk
        remaining -= chunk
    }
    return UInt32(truncatingIfNeeded: crc)
}
