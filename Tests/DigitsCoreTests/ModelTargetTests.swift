import Foundation
import Testing
@testable import DigitsCore

/// Where a model is saved: a read-only file is not replaced unless asked, a symbolic link is written through, a
/// replaced file keeps its permissions; and a model file is refused from its first bytes.
@Suite struct ModelTargetTests {
    /// This process's peak resident memory so far, in bytes (Linux counts ru_maxrss in KiB).
    static func peakMemory() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss
        #endif
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o7777
    }

    @Test func aReadOnlyModelIsLeftAsItIsUnlessReplacingIsAsked() throws {
        let folder = TemporaryFolder()
        let path = folder.write("kept.model", Array("someone's model".utf8))
        chmod(path, 0o444)
        #expect(throws: FileError(path: path, problem: .readOnly)) { try ModelFile.checkWritable(path) }
        #expect(throws: FileError(path: path, problem: .readOnly)) { try ModelFile.write(ModelFileTests.sampleModel(), to: path) }
        #expect(FileManager.default.contents(atPath: path) == Data("someone's model".utf8) && Self.mode(path) == 0o444)
        #expect(FileError(path: path, problem: .readOnly).description
            == "file is read-only, so it is left as it is; give --force to replace it (\(path))")

        try ModelFile.checkWritable(path, replacingReadOnly: true)
        try ModelFile.write(ModelFileTests.sampleModel(), to: path, replacingReadOnly: true)
        #expect(try ModelFile.read(from: path) == ModelFileTests.sampleModel())
        #expect(Self.mode(path) == 0o444, "the replaced file stays read-only")
        #expect(folder.contents() == ["kept.model"])
    }

    @Test func aReplacedModelKeepsItsPermissions() throws {
        let folder = TemporaryFolder()
        let path = folder.write("private.model", [1, 2, 3])
        chmod(path, 0o600)
        try ModelFile.write(ModelFileTests.sampleModel(), to: path)
        #expect(Self.mode(path) == 0o600)
    }

    @Test func aSymbolicLinkIsWrittenThroughToItsFile() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.path + "/store", withIntermediateDirectories: true)
        let real = folder.write("store/real.model", Array("old".utf8))
        let link = folder.path + "/link.model"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "store/real.model")
        try ModelFile.checkWritable(link)
        try ModelFile.write(ModelFileTests.sampleModel(), to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "store/real.model")
        #expect(try ModelFile.read(from: real) == ModelFileTests.sampleModel())
        #expect(folder.contents() == ["link.model", "store"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/store") == ["real.model"])

        // A link to a file not there yet makes the file; a link to a read-only file is refused like the file.
        let dangling = folder.path + "/dangling.model"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: folder.path + "/store/new.model")
        try ModelFile.write(ModelFileTests.sampleModel(), to: dangling)
        #expect(try ModelFile.read(from: folder.path + "/store/new.model") == ModelFileTests.sampleModel())
        chmod(real, 0o444)
        #expect(throws: FileError(path: link, problem: .readOnly)) { try ModelFile.write(ModelFileTests.sampleModel(), to: link) }
    }

    @Test func aFileOfAnotherKindIsRefusedFromItsFirstBytes() throws {
        // From a pipe holding 8 wrong bytes and 1,000 more: the reader takes the 8 and stops.
        let pipe = Pipe()
        try pipe.fileHandleForWriting.write(contentsOf: Array("GIF89a..".utf8) + [UInt8](repeating: 7, count: 1_000))
        try pipe.fileHandleForWriting.close()
        struct WrongKind: Error {}
        #expect(throws: WrongKind.self) {
            try FileError.contents(of: pipe.fileHandleForReading, name: "pipe", limit: 1 << 20, prefix: 8) { prefix in
                if prefix != ModelFile.signature { throw WrongKind() }
            }
        }
        #expect(try pipe.fileHandleForReading.readToEnd()?.count == 1_000)

        // A 1,000 MB file (sparse: it takes no disk) that is no model: refused as such, without reading it, so
        // the process's peak memory does not grow by the gigabyte that reading it would take.
        let folder = TemporaryFolder()
        let path = folder.write("big.model", Array("not a model".utf8))
        #expect(truncate(path, 1_000 << 20) == 0)
        let before = Self.peakMemory()
        #expect(throws: ModelFileError(path: path, problem: .notAModelFile)) { try ModelFile.read(from: path) }
        #expect(Self.peakMemory() - before < 256 << 20, "peak memory grew by \((Self.peakMemory() - before) >> 20) MiB")
    }
}
