import Foundation

/// A file that could not be read or written, for a reason that is not about its format.
public struct FileError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        case missing
        case isDirectory
        case notAFolder
        case noPictureInFolder
        case tooLarge(bytes: Int, limit: Int)
        case notRegularFile
        case unreadable(reason: String)
        case unwritable(reason: String)
        /// An existing file that is not replaced without being told to.
        case readOnly
        /// A gzip stream that ends early or fails its own checks; `afterBytes` counts what was decompressed.
        case corruptCompression(reason: String, afterBytes: Int)
    }

    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing: "does not exist (\(path))"
        case .isDirectory: "is a folder, expected a file (\(path))"
        case .notAFolder: "is a file, expected a folder (\(path))"
        case .noPictureInFolder: "folder holds no .png, .jpg or .jpeg file (\(path))"
        case .tooLarge(let bytes, let limit): "file is \(bytes) bytes, more than the limit of \(limit) (\(path))"
        case .notRegularFile: "not a regular file (\(path))"
        case .unreadable(let reason): "cannot read: \(reason) (\(path))"
        case .unwritable(let reason): "cannot write: \(reason) (\(path))"
        case .readOnly: "file is read-only, so it is left as it is; give --force to replace it (\(path))"
        case .corruptCompression(let reason, let count):
            "gzip stream is truncated or corrupt after \(count) bytes: \(reason) (\(path))"
        }
    }

    /// The C library's words for the current `errno`.
    static func systemReason() -> String {
        String(cString: strerror(errno))
    }

    /// The whole contents of the regular file at `path`, refused unread when it is larger than `limit` bytes. The
    /// first `prefix` bytes (fewer if the file is shorter) go to `check` before anything more is read, so that a
    /// large file of the wrong kind costs one small read: `check` throws the format's own error.
    static func contents(of path: String, limit: Int, prefix: Int = 0,
                         check: ([UInt8]) throws -> Void = { _ in }) throws -> Data {
        try checkReadableFile(path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= limit else { throw FileError(path: path, problem: .tooLarge(bytes: size, limit: limit)) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(path: path, problem: .unreadable(reason: systemReason()))
        }
        defer { try? handle.close() }
        return try contents(of: handle, name: path, limit: limit, prefix: prefix, check: check)
    }

    /// Everything `handle` gives to its end (a file, or a pipe such as standard input), `name` standing for it in
    /// messages: the first `prefix` bytes go to `check` first, and more than `limit` bytes are refused.
    static func contents(of handle: FileHandle, name: String, limit: Int, prefix: Int,
                         check: ([UInt8]) throws -> Void) throws -> Data {
        var data = Data()
        /// Reads up to `count` more bytes; false at the end.
        func more(_ count: Int) throws -> Bool {
            do {
                guard let chunk = try handle.read(upToCount: count), !chunk.isEmpty else { return false }
                data.append(chunk)
                return true
            } catch {
                throw FileError(path: name, problem: .unreadable(reason: error.localizedDescription))
            }
        }
        // A pipe may deliver even the first bytes in pieces.
        while data.count < prefix, try more(prefix - data.count) {}
        try check([UInt8](data))
        while try more(1 << 20) {
            guard data.count <= limit else { throw FileError(path: name, problem: .tooLarge(bytes: data.count, limit: limit)) }
        }
        return data
    }

    /// Throws unless `path` names an existing regular file that this process may read.
    static func checkReadableFile(_ path: String) throws(FileError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw FileError(path: path, problem: errno == ENOENT || errno == ENOTDIR
                ? .missing : .unreadable(reason: systemReason()))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw FileError(path: path, problem: .isDirectory)
        default: throw FileError(path: path, problem: .notRegularFile)
        }
        guard access(path, R_OK) == 0 else {
            throw FileError(path: path, problem: .unreadable(reason: systemReason()))
        }
    }
}
