import Foundation

/// Whole-file writes that never leave a half-written file behind.
enum AtomicFile {
    /// Writes `bytes` into a temporary file in `path`'s folder, flushes it to disk and renames it over `path`,
    /// then flushes the folder so the rename itself survives a crash.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try write(bytes, to: path, commit: true)
    }

    /// Throws unless `write` could succeed now: the folder exists and is writable and `path` is not a folder.
    /// Creates and removes a temporary file; leaves `path` alone.
    static func checkWritable(_ path: String) throws {
        try write([], to: path, commit: false)
    }

    private static func write(_ bytes: [UInt8], to path: String, commit: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw FileError(path: path, problem: .isDirectory)
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, problem: .unwritable(reason: FileError.systemReason())) }
        var failure: FileError?
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        if !written || fsync(fd) != 0 { failure = FileError(path: path, problem: .unwritable(reason: FileError.systemReason())) }
        close(fd)
        if failure == nil && commit && rename(temporary, path) != 0 {
            failure = FileError(path: path, problem: .unwritable(reason: FileError.systemReason()))
        }
        if failure != nil || !commit { unlink(temporary) }
        if let failure { throw failure }
        if commit { syncFolder(folder) }
    }

    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
