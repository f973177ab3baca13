import Foundation
import Testing
@testable import DigitsCore

@Suite struct AugmentationTests {
    static let images = Result { try MNIST.load(.test, from: mnistFolder).subset(0..<50) }

    /// `image` through `distorter.apply` with the given transform, as bytes rounded from [0, 1].
    private func applied(_ distorter: Distorter, _ image: [UInt8], angle: Float = 0, scale: Float = 1,
                         shift: (x: Float, y: Float) = (0, 0), elastic: Bool = false) -> [Float] {
        var output = [Float](repeating: -1, count: image.count)
        image.withUnsafeBufferPointer { image in
            output.withUnsafeMutableBufferPointer { distorter.apply(angle: angle, scale: scale, shift: shift, elastic: elastic, to: image, into: $0) }
        }
        return output
    }

    private func distorted(_ image: [UInt8], _ augmentation: Augmentation, seed: UInt64) -> [Float] {
        var distorter = Distorter(rows: 28, columns: 28, augmentation: augmentation)
        var generator = SplitMix64(seed: seed)
        var output = [Float](repeating: -1, count: image.count)
        image.withUnsafeBufferPointer { image in
            output.withUnsafeMutableBufferPointer { distorter.distort(image, into: $0, using: &generator) }
        }
        return output
    }

    @Test func noAugmentationGivesThePixelsScaled() throws {
        let image = Array(try Self.images.get().image(0))
        #expect(distorted(image, .none, seed: 1) == image.map { Float($0) / 255 })
    }

    @Test func wholePixelShiftsMoveTheImage() throws {
        let image = Array(try Self.images.get().image(1))
        let moved = applied(Distorter(rows: 28, columns: 28, augmentation: .none), image, shift: (3, -2))
        for y in 0..<28 {
            for x in 0..<28 {
                let (sx, sy) = (x - 3, y + 2)
                let expected = (0..<28).contains(sx) && (0..<28).contains(sy) ? Float(image[sy * 28 + sx]) / 255 : 0
                #expect(abs(moved[y * 28 + x] - expected) < 1e-6, "(\(x), \(y))")
            }
        }
    }

    @Test func aQuarterTurnIsAPermutation() throws {
        let image = Array(try Self.images.get().image(2))
        let turned = applied(Distorter(rows: 28, columns: 28, augmentation: .none), image, angle: .pi / 2)
        // Turning content clockwise on screen by 90° about (13.5, 13.5): output (x, y) reads source (y, 27 − x).
        var worst: Float = 0
        for y in 0..<28 {
            for x in 0..<28 { worst = max(worst, abs(turned[y * 28 + x] - Float(image[(27 - x) * 28 + y]) / 255)) }
        }
        #expect(worst < 1e-4)
    }

    @Test func scalingAboutTheCentreGrowsTheInk() throws {
        let image = Array(try Self.images.get().image(3))
        let distorter = Distorter(rows: 28, columns: 28, augmentation: .none)
        let mass = { (pixels: [Float]) in pixels.reduce(0, +) }
        let original = mass(image.map { Float($0) / 255 })
        // Ink area grows with the square of the scale; MNIST digits fit in 20×20, so 1.2 keeps them whole.
        let ratio = mass(applied(distorter, image, scale: 1.2)) / original
        #expect(abs(ratio - 1.44) < 0.05, "\(ratio)")
        #expect(abs(mass(applied(distorter, image, scale: 0.8)) / original - 0.64) < 0.05)
    }

    @Test func sameSeedSameDistortionAndEverySettingChangesTheImage() throws {
        let image = Array(try Self.images.get().image(4))
        let all = Augmentation(shift: 2, rotation: 10, scale: 0.1, elasticAlpha: 34, elasticSigma: 4)
        #expect(distorted(image, all, seed: 7) == distorted(image, all, seed: 7))
        #expect(distorted(image, all, seed: 7) != distorted(image, all, seed: 8))
        let plain = image.map { Float($0) / 255 }
        for one in [Augmentation(shift: 2), Augmentation(rotation: 10), Augmentation(scale: 0.1), Augmentation(elasticAlpha: 34)] {
            #expect(distorted(image, one, seed: 3) != plain, "\(one)")
        }
    }

    @Test func distortedPixelsStayInTheUnitInterval() throws {
        let all = Augmentation(shift: 3, rotation: 20, scale: 0.2, elasticAlpha: 34, elasticSigma: 4)
        for (i, seed) in zip(0..<50, 100...) {
            let pixels = distorted(Array(try Self.images.get().image(i)), all, seed: UInt64(seed))
            #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    @Test func elasticFieldIsSmoothAndAsStrongAsAlphaSays() {
        // The field is α (G_σ ∗ U), U uniform in ±1 (variance 1/3): each displacement has variance
        // (α²/3) Σ g², which for a 2-D Gaussian of σ = 4 is about α² / (3 · 4πσ²): a standard deviation of
        // 0.041 α. Neighbouring displacements nearly agree: that is what makes the distortion elastic.
        var distorter = Distorter(rows: 28, columns: 28, augmentation: Augmentation(elasticAlpha: 10, elasticSigma: 4))
        var generator = SplitMix64(seed: 1)
        let image = [UInt8](repeating: 0, count: 784)
        var output = [Float](repeating: 0, count: 784)
        var (sumSquares, neighbourSquares, count) = (0.0, 0.0, 0)
        for _ in 0..<200 {
            image.withUnsafeBufferPointer { image in
                output.withUnsafeMutableBufferPointer { distorter.distort(image, into: $0, using: &generator) }
            }
            let field = distorter.displacements.x
            for y in 0..<28 {
                for x in 0..<27 {
                    sumSquares += Double(field[y * 28 + x] * field[y * 28 + x])
                    let step = field[y * 28 + x + 1] - field[y * 28 + x]
                    neighbourSquares += Double(step * step)
                    count += 1
                }
            }
        }
        let deviation = (sumSquares / Double(count)).squareRoot()
        // 156,000 correlated samples: the estimate is good to a few percent.
        #expect(abs(deviation - 0.041 * 10) < 0.041 * 10 * 0.05, "\(deviation)")
        #expect((neighbourSquares / Double(count)).squareRoot() < deviation / 4)
    }
}
