@testable import DigitsCore
import Foundation

// libFuzzer harness: arbitrary bytes as an IDX file, plain or gzip-compressed (the reader goes through zlib's
// gzread, which takes both), read as images and as labels from a file as a person would give it.

private let path = "/dev/shm/digits-fuzz-idx-\(getpid())"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    // Unwritten, the file would still hold the previous input: every run after would test that one.
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)), "cannot write \(path)")
    for kind in [IDXFile.Kind.images, .labels] {
        // 16 MiB keeps each run bounded; the limit is checked before allocating.
        if let array = try? IDXFile.read(kind, from: path, byteLimit: 1 << 24) {
            precondition(array.bytes.count == array.dimensions.reduce(1, *), "data length differs from the header")
        }
    }
    return 0
}
