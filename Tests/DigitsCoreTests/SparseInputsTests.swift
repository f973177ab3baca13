import Testing
@testable import DigitsCore

@Suite struct SparseInputsTests {
    /// Every image's nonzero pixels as (index, value) pairs, read back from `inputs`.
    private func pairs(_ inputs: SparseInputs) -> [[(Int32, Float)]] {
        (0..<inputs.count).map { i in
            let row = inputs[i]
            return (0..<row.count).map { (row.indices[$0], row.values[$0]) }
        }
    }

    @Test(arguments: [0, 1, 2, 7])
    func listsImagesAsTheirDenseRowsWouldBe(count: Int) {
        // Pixels with zeros scattered among them; the images are listed in two halves, one on another core.
        var generator = SplitMix64(seed: UInt64(count) + 1)
        let pixels = (0..<count * 784).map { _ in generator.next() % 3 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : 0 }
        let images = LabeledImages(rows: 28, columns: 28, pixels: pixels[...], labels: .init(repeating: 0, count: count))
        let listed = SparseInputs(images)
        let dense = SparseInputs(dense: pixels.map { Float($0) / 255 }, width: 784)
        #expect(listed.count == count)
        let (got, expected) = (pairs(listed), pairs(dense))
        #expect(got.count == expected.count)
        for (a, b) in zip(got, expected) {
            #expect(a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1))
        }
    }

    @Test func listsASubsetThatDoesNotStartAtTheFirstImage() {
        let pixels = (0..<4 * 784).map { UInt8(truncatingIfNeeded: $0 % 5 == 0 ? $0 : 0) }
        let all = LabeledImages(rows: 28, columns: 28, pixels: pixels[...], labels: [0, 1, 2, 3])
        let tail = SparseInputs(all.subset(1..<4))
        let expected = SparseInputs(dense: pixels[784...].map { Float($0) / 255 }, width: 784)
        #expect(pairs(tail).map { $0.map(\.0) } == pairs(expected).map { $0.map(\.0) })
        #expect(pairs(tail).map { $0.map(\.1) } == pairs(expected).map { $0.map(\.1) })
    }
}

@Suite struct ClassifyingTests {
    @Test(arguments: [0, 1, 5])
    func classifiesOnTwoCoresAsOnOne(count: Int) {
        var generator = SplitMix64(seed: 7)
        let network = Network(sizes: [784, 20, 10], generator: &generator)
        let pixels = (0..<count * 784).map { _ in UInt8(truncatingIfNeeded: generator.next() % 4 == 0 ? generator.next() : 0) }
        let inputs = SparseInputs(LabeledImages(rows: 28, columns: 28, pixels: pixels[...], labels: .init(repeating: 0, count: count)))
        let alone = (0..<count).map { i in network.classify(pixels[i * 784..<(i + 1) * 784].map { Float($0) / 255 }) }
        #expect(network.classify(inputs) == alone)
        #expect(network.classify(inputs, oneCore: true) == alone)
    }
}
