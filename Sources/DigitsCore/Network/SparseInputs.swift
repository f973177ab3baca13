/// Network inputs as lists of their nonzero values: for each input, (index, value) pairs in index order.
///
/// 81% of MNIST's pixels are 0. Listing the rest once lets every epoch skip them in W a and in the weight update
/// at no cost; a zero input contributes nothing to either, so skipping it is exact.
final class SparseInputs {
    let count: Int
    let width: Int
    /// Input i's pairs are entries offsets[i]..<offsets[i + 1].
    private let offsets: UnsafeMutablePointer<Int>
    private let indices: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>

    /// One input's nonzero values; valid while its `SparseInputs` lives.
    struct Row {
        let indices: UnsafePointer<Int32>
        let values: UnsafePointer<Float>
        let count: Int
    }

    /// Byte pixel value → network input, v / 255.
    private static let pixelScale: [Float] = (0...255).map { Float($0) / 255 }

    /// The images of `data`, pixels scaled to [0, 1].
    convenience init(_ data: LabeledImages) {
        let width = data.pixelsPerImage
        self.init(count: data.count, width: width, nonzeroCount: data.pixels.reduce(0) { $0 + ($1 == 0 ? 0 : 1) })
        Self.pixelScale.withUnsafeBufferPointer { scale in
            data.pixels.withUnsafeBufferPointer { pixels in
                var next = 0
                for i in 0..<count {
                    offsets[i] = next
                    let image = UnsafeBufferPointer(rebasing: pixels[i * width..<(i + 1) * width])
                    let raw = UnsafeRawPointer(image.baseAddress!)
                    var k = 0
                    while k < width {
                        // Eight background pixels at once: most of an MNIST image is empty rows and margins.
                        if k + 8 <= width && raw.loadUnaligned(fromByteOffset: k, as: UInt64.self) == 0 {
                            k += 8
                            continue
                        }
                        for k in k..<min(k + 8, width) where image[k] != 0 {
                            (indices[next], values[next]) = (Int32(k), scale[Int(image[k])])
                            next += 1
                        }
                        k += 8
                    }
                }
                offsets[count] = next
            }
        }
    }

    /// Inputs given as dense rows of equal width.
    convenience init(rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "rows of different widths")
        self.init(count: rows.count, width: width, nonzeroCount: rows.joined().count { $0 != 0 })
        var next = 0
        for (i, row) in rows.enumerated() {
            offsets[i] = next
            for (k, v) in row.enumerated() where v != 0 {
                (indices[next], values[next]) = (Int32(k), v)
                next += 1
            }
        }
        offsets[count] = next
    }

    /// Room for `nonzeroCount` pairs; the caller fills them and `offsets`.
    private init(count: Int, width: Int, nonzeroCount: Int) {
        self.count = count
        self.width = width
        offsets = .allocate(capacity: count + 1)
        indices = .allocate(capacity: max(nonzeroCount, 1))
        values = .allocate(capacity: max(nonzeroCount, 1))
    }

    deinit {
        offsets.deallocate()
        indices.deallocate()
        values.deallocate()
    }

    subscript(i: Int) -> Row {
        precondition(i >= 0 && i < count)
        return Row(indices: indices + offsets[i], values: values + offsets[i], count: offsets[i + 1] - offsets[i])
    }
}
