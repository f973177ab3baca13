import Foundation
@testable import DigitsCore

/// The repository's root, found from this file's path (Tests/DigitsCoreTests/Support/Fixtures.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The repository's own MNIST folder.
let mnistFolder = repositoryRoot.appendingPathComponent("data/mnist").path

/// A fresh folder under the system's temporary folder, removed when the value is dropped.
final class TemporaryFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "digits-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` in this folder and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }

    func contents() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? []
    }
}

/// An IDX file's bytes: magic for `dimensions.count` dimensions of unsigned bytes, big-endian sizes, then `data`.
func idxBytes(dimensions: [Int], data: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
    for d in dimensions { bytes += withUnsafeBytes(of: UInt32(d).bigEndian, Array.init) }
    return bytes + data
}

/// The plain bytes of one of the repository's gzip-compressed MNIST files.
func decompressedMNIST(_ name: String, kind: IDXFile.Kind) throws -> [UInt8] {
    let array = try IDXFile.read(kind, from: mnistFolder + "/" + name + ".gz")
    return idxBytes(dimensions: array.dimensions, data: array.bytes)
}
