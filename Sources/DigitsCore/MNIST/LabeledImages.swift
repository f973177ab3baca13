import Foundation

/// Images with their class labels, as MNIST stores them: bytes, not floats, to keep memory and bandwidth low.
public struct LabeledImages: Sendable {
    public let rows: Int
    public let columns: Int
    /// Row-major pixels of every image, one after another: 0 = background, 255 = ink;
    /// `pixels.count == count * rows * columns`. A slice, so that subsets share one copy: its indices need not
    /// start at 0.
    public let pixels: ArraySlice<UInt8>
    /// One class per image, each below `classCount`.
    public let labels: [UInt8]

    public var count: Int { labels.count }
    public var pixelsPerImage: Int { rows * columns }

    public init(rows: Int, columns: Int, pixels: ArraySlice<UInt8>, labels: [UInt8]) {
        precondition(pixels.count == labels.count * rows * columns, "pixel count does not match labels × image size")
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
        self.labels = labels
    }

    /// The pixels of image `index`.
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        let first = pixels.startIndex + index * pixelsPerImage
        return pixels[first..<first + pixelsPerImage]
    }

    /// The images in `range`, as a set of their own that shares these pixels.
    public func subset(_ range: Range<Int>) -> LabeledImages {
        let first = pixels.startIndex + range.lowerBound * pixelsPerImage
        return LabeledImages(rows: rows, columns: columns,
                             pixels: pixels[first..<first + range.count * pixelsPerImage], labels: Array(labels[range]))
    }

    /// These images followed by those of `other`, which have the same size.
    public func appending(_ other: LabeledImages) -> LabeledImages {
        precondition(other.rows == rows && other.columns == columns, "images of another size")
        return LabeledImages(rows: rows, columns: columns, pixels: (Array(pixels) + other.pixels)[...],
                             labels: labels + other.labels)
    }

    /// Splits off the last `count` images, as Nielsen held out the last 10,000 training images for validation.
    public func holdingOutLast(_ count: Int) -> (training: LabeledImages, heldOut: LabeledImages) {
        precondition((0..<self.count).contains(count), "cannot hold out \(count) of \(self.count) images")
        return (subset(0..<self.count - count), subset(self.count - count..<self.count))
    }
}

/// The four files of an MNIST-format data set in one folder, each as `NAME` or `NAME.gz`.
public enum MNIST {
    public enum Part: String, Sendable {
        case training = "train"
        case test = "t10k"

        public var imagesFileName: String { "\(rawValue)-images-idx3-ubyte" }
        public var labelsFileName: String { "\(rawValue)-labels-idx1-ubyte" }
    }

    public static let rows = 28
    public static let columns = 28
    public static let classCount = 10

    /// Loads two parts of the data set in `directory` at the same time, the second on another core: loading is
    /// mostly inflating gzip, one file per core. Failures are reported as `load` reports them, the first part's
    /// first.
    public static func load(_ first: Part, _ second: Part, from directory: String) throws -> (LabeledImages, LabeledImages) {
        let other = Background { Result { try load(second, from: directory) } }
        let firstImages = try load(first, from: directory)
        return (firstImages, try other.result().get())
    }

    /// Loads one part of the data set in `directory`, checking that images are 28×28, that there is one label
    /// per image and that every label is a digit 0–9.
    public static func load(_ part: Part, from directory: String) throws -> LabeledImages {
        let imagesPath = try locate(part.imagesFileName, in: directory)
        let labelsPath = try locate(part.labelsFileName, in: directory)
        let images = try IDXFile.read(.images, from: imagesPath)
        let labels = try IDXFile.read(.labels, from: labelsPath)

        let (count, rows, columns) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard rows == Self.rows, columns == Self.columns else {
            throw IDXError(path: imagesPath, problem: .wrongImageSize(
                rows: rows, columns: columns, expectedRows: Self.rows, expectedColumns: Self.columns))
        }
        guard labels.dimensions[0] == count else {
            throw IDXError(path: imagesPath, problem: .countMismatch(
                images: count, labels: labels.dimensions[0], labelsPath: labelsPath))
        }
        if let index = labels.bytes.firstIndex(where: { Int($0) >= classCount }) {
            throw IDXError(path: labelsPath, problem: .labelOutOfRange(
                label: labels.bytes[index], index: index, classCount: classCount))
        }
        return LabeledImages(rows: rows, columns: columns, pixels: images.bytes[...], labels: labels.bytes)
    }

    /// The path of `name` in `directory`: the plain file if it is there, else `name.gz`.
    static func locate(_ name: String, in directory: String) throws(FileError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw FileError(path: directory, problem: .missing)
        }
        guard isDirectory.boolValue else { throw FileError(path: directory, problem: .notAFolder) }
        let plain = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        for candidate in [plain, plain + ".gz"] {
            do {
                try FileError.checkReadableFile(candidate)
                return candidate
            } catch where error.problem == .missing {
                continue
            }
        }
        throw FileError(path: plain + "[.gz]", problem: .missing)
    }
}
