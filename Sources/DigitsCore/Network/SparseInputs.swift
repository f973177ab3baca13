import CPrefetch

/// Network inputs as lists of their nonzero values: for each input, (index, value) pairs in index order.
///
/// 81% of MNIST's pixels are 0. Listing the rest once lets every epoch skip them in W a and in the weight update
/// at no cost; a zero input contributes nothing to either, so skipping it is exact.
final class SparseInputs: @unchecked Sendable {  // immutable once built
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

    /// The images of `data`, pixels scaled to [0, 1]; the second half listed on another core (for MNIST's
    /// 60,000 images, listing on one core takes about as long as three epochs of training).
    convenience init(_ data: LabeledImages) {
        let half = data.count / 2
        let secondCount = Background { Self.nonzeroByteCount(in: data, images: half..<data.count) }
        let firstCount = Self.nonzeroByteCount(in: data, images: 0..<half)
        let total = firstCount + secondCount.result()
        self.init(count: data.count, width: data.pixelsPerImage, nonzeroCount: total)
        let second = Background { [self] in list(data, images: half..<data.count, startingAt: firstCount) }
        list(data, images: 0..<half, startingAt: 0)
        second.result()
        offsets[count] = total
    }

    /// Fills the pairs and offsets of `images`, the first of them at pair `first`.
    private func list(_ data: LabeledImages, images: Range<Int>, startingAt first: Int) {
        Self.pixelScale.withUnsafeBufferPointer { scale in
            data.pixels.withUnsafeBufferPointer { pixels in
                var next = first
                for i in images {
                    offsets[i] = next
                    let image = UnsafeBufferPointer(rebasing: pixels[i * width..<(i + 1) * width])
                    Self.forEachNonzeroByte(in: image) { k in
                        (indices[next], values[next]) = (Int32(truncatingIfNeeded: k), scale[Int(image[k])])
                        next &+= 1
                    }
                }
            }
        }
    }

    private static func nonzeroByteCount(in data: LabeledImages, images: Range<Int>) -> Int {
        let width = data.pixelsPerImage
        return data.pixels.withUnsafeBufferPointer {
            nonzeroByteCount(in: UnsafeBufferPointer(rebasing: $0[images.lowerBound * width..<images.upperBound * width]))
        }
    }

    /// How many bytes are not 0, counted eight at a time as `forEachNonzeroByte` finds them.
    private static func nonzeroByteCount(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        var (k, count) = (0, 0)
        while k + 8 <= bytes.count {
            count &+= foldedNonzeroBytes(raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)).nonzeroBitCount
            k &+= 8
        }
        return count + bytes[k...].count { $0 != 0 }
    }

    /// Bit 8j of the result is set exactly when byte j of `word` (little-endian) is nonzero.
    @inline(__always)
    private static func foldedNonzeroBytes(_ word: UInt64) -> UInt64 {
        var word = UInt64(littleEndian: word)
        word |= word >> 4
        word |= word >> 2
        word |= word >> 1
        return word & 0x0101_0101_0101_0101
    }

    /// Calls `body` with the index of every nonzero byte, in order, eight bytes at a time: most of an MNIST image
    /// is empty margin, and within a word the nonzero bytes are found by bit arithmetic rather than by branches.
    @inline(__always)
    private static func forEachNonzeroByte(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        var k = 0
        while k + 8 <= bytes.count {
            var word = foldedNonzeroBytes(raw.loadUnaligned(fromByteOffset: k, as: UInt64.self))
            while word != 0 {
                body(k &+ word.trailingZeroBitCount &>> 3)
                word &= word &- 1
            }
            k &+= 8
        }
        for k in k..<bytes.count where bytes[k] != 0 { body(k) }
    }

    /// Inputs given as dense rows of equal width.
    convenience init(rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "rows of different widths")
        self.init(dense: rows.flatMap { $0 }, width: width)
    }

    /// Inputs given as dense rows of `width` values, one after another.
    convenience init(dense: [Float], width: Int) {
        precondition(width > 0 ? dense.count % width == 0 : dense.isEmpty, "values do not fill whole rows")
        var builder = Builder(width: width, expectedCount: width == 0 ? 0 : dense.count / width)
        dense.withUnsafeBufferPointer { dense in
            for start in stride(from: 0, to: dense.count, by: max(width, 1)) {
                builder.append(UnsafeBufferPointer(rebasing: dense[start..<start + width]))
            }
        }
        self.init(builder)
    }

    /// Collects dense rows one at a time, keeping only their nonzero values.
    struct Builder {
        let width: Int
        fileprivate var offsets: [Int] = [0]
        fileprivate var indices: [Int32] = []
        fileprivate var values: [Float] = []

        init(width: Int, expectedCount: Int) {
            self.width = width
            offsets.reserveCapacity(expectedCount + 1)
        }

        mutating func append(_ row: UnsafeBufferPointer<Float>) {
            precondition(row.count == width)
            for k in 0..<width where row[k] != 0 {
                indices.append(Int32(truncatingIfNeeded: k))
                values.append(row[k])
            }
            offsets.append(indices.count)
        }

        func build() -> SparseInputs { SparseInputs(self) }
    }

    private convenience init(_ builder: Builder) {
        self.init(count: builder.offsets.count - 1, width: builder.width, nonzeroCount: builder.indices.count)
        offsets.update(from: builder.offsets, count: builder.offsets.count)
        indices.update(from: builder.indices, count: builder.indices.count)
        values.update(from: builder.values, count: builder.values.count)
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

    /// Asks the processor to start loading input i's pairs into cache, for use a little later.
    func prefetch(_ i: Int) {
        let pairs = offsets[i + 1] - offsets[i]
        digits_prefetch(indices + offsets[i], pairs * MemoryLayout<Int32>.stride)
        digits_prefetch(values + offsets[i], pairs * MemoryLayout<Float>.stride)
    }

    /// Asks the processor to start loading where input i's pairs are, so that `prefetch(i)` a little later
    /// does not wait for it.
    func prefetchLocation(_ i: Int) {
        digits_prefetch(offsets + i, 2 * MemoryLayout<Int>.stride)
    }

    subscript(i: Int) -> Row {
        precondition(i >= 0 && i < count)
        return Row(indices: indices + offsets[i], values: values + offsets[i], count: offsets[i + 1] - offsets[i])
    }
}
