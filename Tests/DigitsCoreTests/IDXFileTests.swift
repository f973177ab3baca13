import Foundation
import Testing
@testable import DigitsCore

@Suite struct IDXFileTests {
    @Test func readsTheBundledTestSet() throws {
        let test = try MNIST.load(.test, from: mnistFolder)
        #expect(test.count == 10_000)
        #expect(test.rows == 28 && test.columns == 28)
        #expect(test.pixels.count == 10_000 * 784)
        // The first test digits of MNIST are 7, 2, 1, 0, 4.
        #expect(test.labels.prefix(5) == [7, 2, 1, 0, 4])
        // Each class is present; the test set has 1,135 ones.
        #expect(test.labels.count { $0 == 1 } == 1_135)
    }

    @Test func readsTheBundledTrainingSet() throws {
        let training = try MNIST.load(.training, from: mnistFolder)
        #expect(training.count == 60_000)
        #expect(training.labels.prefix(3) == [5, 0, 4])
    }

    @Test func plainAndCompressedFilesReadTheSame() throws {
        let folder = TemporaryFolder()
        folder.write("t10k-images-idx3-ubyte", try decompressedMNIST("t10k-images-idx3-ubyte", kind: .images))
        folder.write("t10k-labels-idx1-ubyte", try decompressedMNIST("t10k-labels-idx1-ubyte", kind: .labels))
        let plain = try MNIST.load(.test, from: folder.path)
        let compressed = try MNIST.load(.test, from: mnistFolder)
        #expect(plain.pixels == compressed.pixels)
        #expect(plain.labels == compressed.labels)
    }

    @Test func readsAnyShapeOfUnsignedBytes() throws {
        let folder = TemporaryFolder()
        let path = folder.write("small", idxBytes(dimensions: [2, 3, 1], data: [1, 2, 3, 4, 5, 6]))
        let array = try IDXFile.read(.images, from: path)
        #expect(array.dimensions == [2, 3, 1])
        #expect(array.bytes == [1, 2, 3, 4, 5, 6])
    }

    /// Each malformed file, and the problem it must be reported as.
    static let malformed: [(name: String, bytes: [UInt8], problem: IDXError.Problem)] = [
        ("empty", [], .tooShortForHeader(length: 0)),
        ("header cut short", [0, 0, 8, 3, 0, 0, 0, 1], .tooShortForHeader(length: 8)),
        ("label magic", idxBytes(dimensions: [1], data: [3]),
         .wrongMagic(found: 0x801, expected: 0x803, kind: .images)),
        ("signed bytes", idxBytes(dimensions: [1, 1, 1], data: [3], type: 0x09),
         .wrongMagic(found: 0x903, expected: 0x803, kind: .images)),
        ("zero images", idxBytes(dimensions: [0, 28, 28], data: []), .zeroDimension(index: 0)),
        ("truncated", idxBytes(dimensions: [2, 2, 2], data: [1, 2, 3]), .truncated(dataBytes: 3, expected: 8)),
        ("trailing", idxBytes(dimensions: [1, 2, 2], data: [1, 2, 3, 4, 5]), .trailingBytes(expected: 4)),
        ("absurd size", idxBytes(dimensions: [200_000, 200_000, 28], data: []),
         .tooLarge(elements: 40_000_000_000, limit: IDXFile.defaultByteLimit)),
    ]

    @Test(arguments: malformed.indices)
    func rejectsMalformedImageFile(case index: Int) throws {
        let (name, bytes, problem) = Self.malformed[index]
        let folder = TemporaryFolder()
        let path = folder.write(name, bytes)
        let error = try #require(throws: IDXError.self) { try IDXFile.read(.images, from: path) }
        #expect(error == IDXError(path: path, problem: problem))
        #expect(error.description.hasSuffix("(\(path))"))
    }

    @Test func rejectsTruncatedGzipStream() throws {
        let original = try #require(FileManager.default.contents(atPath: mnistFolder + "/t10k-labels-idx1-ubyte.gz"))
        let folder = TemporaryFolder()
        let path = folder.write("cut.gz", [UInt8](original.prefix(original.count / 2)))
        let error = try #require(throws: FileError.self) { try IDXFile.read(.labels, from: path) }
        guard case .corruptCompression = error.problem else {
            Issue.record("expected a gzip error, got \(error)")
            return
        }
        #expect(error.description.contains(path))
    }

    @Test func rejectsCorruptGzipStream() throws {
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: mnistFolder + "/t10k-labels-idx1-ubyte.gz")))
        for i in stride(from: 100, to: 200, by: 1) { bytes[i] ^= 0x5A }
        let folder = TemporaryFolder()
        let path = folder.write("corrupt.gz", bytes)
        #expect(throws: FileError.self) { try IDXFile.read(.labels, from: path) }
    }

    @Test func rejectsFolderAndMissingPath() throws {
        let folder = TemporaryFolder()
        let missing = folder.path + "/nothing-here"
        #expect(throws: FileError(path: missing, problem: .missing)) { try IDXFile.read(.labels, from: missing) }
        #expect(throws: FileError(path: folder.path, problem: .isDirectory)) { try IDXFile.read(.labels, from: folder.path) }
    }

    @Test func rejectsSomethingThatIsNotARegularFile() throws {
        // A named pipe would block a reader forever. (Running as root, tests cannot make a file unreadable;
        // that case is the same check reporting the C library's reason.)
        let folder = TemporaryFolder()
        let fifo = folder.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: FileError(path: fifo, problem: .notRegularFile)) { try IDXFile.read(.images, from: fifo) }
    }

    @Test func aHeaderClaimingMoreThanTheFileHoldsIsTruncatedNotAnAllocation() throws {
        let folder = TemporaryFolder()
        let path = folder.write("claims", idxBytes(dimensions: [1_000_000, 28, 28], data: [1, 2, 3]))
        #expect(throws: IDXError(path: path, problem: .truncated(dataBytes: 3, expected: 784_000_000))) {
            try IDXFile.read(.images, from: path)
        }
    }

    @Test func aGzipTrailerClaimingMoreThanTheDataIsACorruptStream() throws {
        // The trailer's size only sizes the buffer; the stream itself is still checked against it.
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: mnistFolder + "/t10k-labels-idx1-ubyte.gz")))
        bytes.replaceSubrange(bytes.count - 4..<bytes.count, with: [0xFF, 0xFF, 0xFF, 0xFF])
        let folder = TemporaryFolder()
        let path = folder.write("lying.gz", bytes)
        let error = try #require(throws: FileError.self) { try IDXFile.read(.labels, from: path) }
        guard case .corruptCompression = error.problem else {
            Issue.record("expected a gzip error, got \(error)")
            return
        }
    }

    @Test func rejectsImagesThatAreNot28By28() throws {
        let folder = TemporaryFolder()
        let images = folder.write("t10k-images-idx3-ubyte", idxBytes(dimensions: [1, 27, 28], data: .init(repeating: 0, count: 27 * 28)))
        folder.write("t10k-labels-idx1-ubyte", idxBytes(dimensions: [1], data: [3]))
        #expect(throws: IDXError(path: images, problem: .wrongImageSize(rows: 27, columns: 28, expectedRows: 28, expectedColumns: 28))) {
            try MNIST.load(.test, from: folder.path)
        }
    }

    @Test func rejectsCountsThatDisagree() throws {
        let folder = TemporaryFolder()
        let images = folder.write("t10k-images-idx3-ubyte", idxBytes(dimensions: [2, 28, 28], data: .init(repeating: 0, count: 2 * 784)))
        let labels = folder.write("t10k-labels-idx1-ubyte", idxBytes(dimensions: [3], data: [1, 2, 3]))
        #expect(throws: IDXError(path: images, problem: .countMismatch(images: 2, labels: 3, labelsPath: labels))) {
            try MNIST.load(.test, from: folder.path)
        }
    }

    @Test func rejectsLabelsAboveNine() throws {
        let folder = TemporaryFolder()
        folder.write("t10k-images-idx3-ubyte", idxBytes(dimensions: [3, 28, 28], data: .init(repeating: 0, count: 3 * 784)))
        let labels = folder.write("t10k-labels-idx1-ubyte", idxBytes(dimensions: [3], data: [1, 10, 3]))
        #expect(throws: IDXError(path: labels, problem: .labelOutOfRange(label: 10, index: 1, classCount: 10))) {
            try MNIST.load(.test, from: folder.path)
        }
    }

    @Test func namesTheMissingFileOfAFolder() throws {
        let folder = TemporaryFolder()
        folder.write("t10k-images-idx3-ubyte", idxBytes(dimensions: [1, 28, 28], data: .init(repeating: 0, count: 784)))
        let error = try #require(throws: FileError.self) { try MNIST.load(.test, from: folder.path) }
        #expect(error.problem == .missing)
        #expect(error.description.contains("t10k-labels-idx1-ubyte"))
    }

    @Test func loadsTwoPartsAtOnceAsItLoadsEach() throws {
        let folder = TemporaryFolder()
        for (part, count) in [(MNIST.Part.training, 3), (.test, 2)] {
            folder.write(part.imagesFileName, idxBytes(dimensions: [count, 28, 28], data: (0..<count * 784).map { UInt8(truncatingIfNeeded: $0 * count) }))
            folder.write(part.labelsFileName, idxBytes(dimensions: [count], data: (0..<count).map { UInt8($0 + count) }))
        }
        let (training, test) = try MNIST.load(.training, .test, from: folder.path)
        for (loaded, part) in [(training, MNIST.Part.training), (test, .test)] {
            let alone = try MNIST.load(part, from: folder.path)
            #expect(loaded.pixels == alone.pixels && loaded.labels == alone.labels)
        }
        #expect(training.count == 3 && test.count == 2)
    }

    @Test func loadingTwoPartsReportsTheFirstPartsFailureFirst() throws {
        let folder = TemporaryFolder()
        let error = try #require(throws: FileError.self) { try MNIST.load(.training, .test, from: folder.path) }
        #expect(error.description.contains("train-images-idx3-ubyte"))
        folder.write("train-images-idx3-ubyte", idxBytes(dimensions: [1, 28, 28], data: .init(repeating: 0, count: 784)))
        folder.write("train-labels-idx1-ubyte", idxBytes(dimensions: [1], data: [3]))
        let testError = try #require(throws: FileError.self) { try MNIST.load(.training, .test, from: folder.path) }
        #expect(testError.description.contains("t10k-images-idx3-ubyte"))
    }

    @Test func holdsOutTheLastImages() throws {
        let data = LabeledImages(rows: 1, columns: 2, pixels: [0, 1, 2, 3, 4, 5], labels: [7, 8, 9])
        let (training, heldOut) = data.holdingOutLast(1)
        #expect(training.labels == [7, 8] && training.pixels == [0, 1, 2, 3])
        #expect(heldOut.labels == [9] && heldOut.pixels == [4, 5])
    }
}
