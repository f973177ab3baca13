// IDX, the file format of MNIST (LeCun et al.), read here plain or gzip-compressed.
//
//   offset  size  field
//   0       2     0x0000
//   2       1     element type: 0x08 = unsigned byte (the only type MNIST uses, and the only one read here)
//   3       1     number of dimensions, D
//   4       4×D   each dimension as a big-endian UInt32
//   4+4D    …     the elements, last dimension fastest; exactly the product of the dimensions, nothing after
//
// MNIST's labels are D = 1 (magic 0x00000801), its images D = 3 (magic 0x00000803): count, rows, columns.

/// An array of unsigned bytes read from an IDX file.
public struct IDXArray: Equatable, Sendable {
    /// Dimensions as the header gives them, outermost first.
    public let dimensions: [Int]
    /// The elements, last dimension fastest; `bytes.count` is the product of `dimensions`.
    public let bytes: [UInt8]
}

/// An IDX file that cannot be used: every message names the file.
public struct IDXError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        case tooShortForHeader(length: Int)
        case wrongMagic(found: UInt32, expected: UInt32, kind: IDXFile.Kind)
        case zeroDimension(index: Int)
        case tooLarge(elements: Int, limit: Int)
        case truncated(dataBytes: Int, expected: Int)
        case trailingBytes(expected: Int)
        case countMismatch(images: Int, labels: Int, labelsPath: String)
        case wrongImageSize(rows: Int, columns: Int, expectedRows: Int, expectedColumns: Int)
        case labelOutOfRange(label: UInt8, index: Int, classCount: Int)
        case empty
    }

    public let path: String
    public let problem: Problem

    public var description: String {
        let what: String
        switch problem {
        case .tooShortForHeader(let length):
            what = "too short for an IDX header: \(length) bytes"
        case .wrongMagic(let found, let expected, let kind):
            what = "not an IDX \(kind) file: magic \(hex(found)), expected \(hex(expected))"
        case .zeroDimension(let index):
            what = "dimension \(index + 1) of the header is 0"
        case .tooLarge(let elements, let limit):
            what = "header claims \(elements) bytes of data, more than the limit of \(limit)"
        case .truncated(let got, let expected):
            what = "truncated: \(got) data bytes, the header says \(expected)"
        case .trailingBytes(let expected):
            what = "longer than its header says: more than \(expected) data bytes"
        case .countMismatch(let images, let labels, let labelsPath):
            what = "\(images) images but \(labels) labels in \(labelsPath)"
        case .wrongImageSize(let rows, let columns, let expectedRows, let expectedColumns):
            what = "images are \(rows)×\(columns), expected \(expectedRows)×\(expectedColumns)"
        case .labelOutOfRange(let label, let index, let classCount):
            what = "label \(label) at index \(index) is outside 0–\(classCount - 1)"
        case .empty:
            what = "holds no examples"
        }
        return "\(what) (\(path))"
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

public enum IDXFile {
    public enum Kind: Sendable, CustomStringConvertible {
        case images, labels

        var dimensionCount: Int { self == .images ? 3 : 1 }
        var magic: UInt32 { 0x0000_0800 | UInt32(dimensionCount) }
        public var description: String { self == .images ? "image" : "label" }
    }

    /// Largest data section read by default: 1 GiB, twenty times MNIST's training images.
    public static let defaultByteLimit = 1 << 30

    /// Reads an IDX file of `kind`, checking the magic, the dimensions and that the data is exactly as long as
    /// the header says. Memory is allocated only after the header passes, and never above `byteLimit`.
    public static func read(_ kind: Kind, from path: String, byteLimit: Int = defaultByteLimit) throws -> IDXArray {
        let reader = try GzipReader(path: path)
        let headerLength = 4 + 4 * kind.dimensionCount
        let header = try reader.readBytes(upTo: headerLength)
        func fail(_ problem: IDXError.Problem) -> IDXError { IDXError(path: path, problem: problem) }

        if header.count >= 4 {
            let magic = bigEndianUInt32(header, at: 0)
            guard magic == kind.magic else { throw fail(.wrongMagic(found: magic, expected: kind.magic, kind: kind)) }
        }
        guard header.count == headerLength else { throw fail(.tooShortForHeader(length: header.count)) }

        var dimensions: [Int] = []
        var elementCount = 1
        for index in 0..<kind.dimensionCount {
            let dimension = Int(bigEndianUInt32(header, at: 4 + 4 * index))
            guard dimension > 0 else { throw fail(.zeroDimension(index: index)) }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= byteLimit else {
                throw fail(.tooLarge(elements: overflow ? Int.max : product, limit: byteLimit))
            }
            elementCount = product
            dimensions.append(dimension)
        }

        let bytes = try reader.readBytes(upTo: elementCount)
        guard bytes.count == elementCount else { throw fail(.truncated(dataBytes: bytes.count, expected: elementCount)) }
        guard try reader.isAtEnd() else { throw fail(.trailingBytes(expected: elementCount)) }
        return IDXArray(dimensions: dimensions, bytes: bytes)
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
