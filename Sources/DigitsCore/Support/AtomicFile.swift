import Foundation

/// Whole-file writes that never leave a half-written file behind.
///
/// A symbolic link is written through: the file it points to is replaced and the link stays, as an editor saving
/// through a link does. A file that is replaced keeps its permissions.
enum AtomicFile {
    /// Writes `bytes` into a temporary file in the target's folder, flushes it to disk and renames it over the
    /// target, then flushes the folder so the rename itself survives a crash. The target is `path`, or the file
    /// a symbolic link at `path` leads to.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try write(bytes, to: path, commit: true)
    }

    /// Whether the file that a write to `path` would replace exists and may not be written: for root, who may
    /// write anything, when it has no write permission for anyone; for others, when they may not write it.
    static func isReadOnly(_ path: String) -> Bool {
        let target = resolvingLinks(path)
        var info = stat()
        guard stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return geteuid() == 0 ? info.st_mode & 0o222 == 0 : access(target, W_OK) != 0
    }

    /// `path`, or the path a chain of symbolic links at `path` ends in (which may not exist yet). Relative links
    /// are taken from the folder of the link; after 40 links (Linux's own limit) the last one is returned.
    static func resolvingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK,
                  let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { break }
            current = destination.hasPrefix("/")
                ? destination : URL(fileURLWithPath: current).deletingLastPathComponent().path + "/" + destination
        }
        return current
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
        let target = resolvingLinks(path)
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, problem: .unwritable(reason: FileError.systemReason())) }
        var old = stat()
        if stat(target, &old) == 0 { fchmod(fd, old.st_mode & 0o7777) }
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
        if failure == nil && commit && rename(temporary, target) != 0 {
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
