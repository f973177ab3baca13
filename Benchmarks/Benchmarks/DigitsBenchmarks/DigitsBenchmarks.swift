import Benchmark
@_spi(Benchmarks) import DigitsCore
import Foundation

// The hot paths of digits, on the bundled MNIST files. Run from Benchmarks/: swift package benchmark

/// The repository's data/mnist, found from this file's path.
let mnistFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/mnist").path

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 10
    )

    let training = try! MNIST.load(.training, from: mnistFolder).holdingOutLast(10_000).training
    let test = try! MNIST.load(.test, from: mnistFolder)

    for hidden in [30, 100] {
        // One epoch over the 50,000 training images, mini-batch 10, η = 3: the unit of `digits train`.
        Benchmark("train epoch [784,\(hidden),10]") { benchmark in
            let settings = TrainingSettings(sizes: [784, hidden, 10], epochs: 1, batchSize: 10, learningRate: 3, seed: 1)
            benchmark.startMeasurement()
            blackHole(try Trainer(settings: settings).train(on: training, validation: nil))
        }
    }

    // One epoch of the MLP preset ([784, 800, 10], ReLU, softmax, momentum, distortions made on the second
    // core): the unit of `digits train --preset mlp`, which runs about 55 of them.
    Benchmark("train epoch, mlp preset", configuration: .init(maxIterations: 3)) { benchmark in
        var settings = TrainingSettings.mlp
        settings.epochs = 1
        settings.patience = nil
        benchmark.startMeasurement()
        blackHole(try Trainer(settings: settings).train(on: training, validation: nil))
    }

    // One epoch of each convolutional preset over the 50,000 training images in mini-batches of 10, both cores
    // busy: network3.py's network (chapter 6: 20 and 40 kernels of 5×5, each pooled 2×2, 100 ReLU neurons,
    // softmax), where the convolutions' forward and backward passes are nearly all of the time, and the shipped
    // recipes (150 neurons under dropout, distortions made on the second core; deep's second stage two 3×3
    // convolutions; deep-bn's batch normalisation, with its statistics measured after the epoch). PyTorch's time
    // for network3's epoch comes from ../shared/peers/torch_cnn.py --style network3 --epochs 1 (see the README's
    // "Performance").
    for (name, preset) in [("network3", TrainingSettings.network3), ("best", TrainingSettings.best),
                           ("deep", TrainingSettings.deep), ("deep-bn", TrainingSettings.deepBN)] {
        Benchmark("train epoch, \(name) preset", configuration: .init(maxIterations: 3)) { benchmark in
            var settings = preset
            settings.epochs = 1
            settings.patience = nil
            benchmark.startMeasurement()
            blackHole(try Trainer(settings: settings).trainNetwork(on: training, validation: nil))
        }
    }
    let network3 = TrainingSettings.network3.architecture!

    // The matrix products of network3's convolutions and of deep's first 3×3 one, for one image, 10,000 times, at
    // the shapes an epoch runs them: m × k by k × n, a floating-point operation count of 2 m n k each time. W X is
    // the forward pass (maps × patch by patch × positions), δ Xᵀ the weight gradient (as dot products for the first
    // layer, as a product with the patches unrolled for the others), Wᵀ δ the gradient sent back. Beside them, the
    // ceiling: 12 × 16 independent multiply-adds a round, 10,000,000 rounds (3.84 × 10⁹ operations), nothing loaded.
    let products: [(name: String, m: Int, n: Int, k: Int, transposed: Bool)] = [
        ("first convolution, W X (20 x 25 by 25 x 576)", 20, 576, 25, false),
        ("first convolution, delta X^T as dot products (20 x 576 by 576 x 25)", 20, 25, 576, true),
        ("second convolution, W X (40 x 500 by 500 x 64)", 40, 64, 500, false),
        ("second convolution, delta X^T (40 x 64 by 64 x 500)", 40, 500, 64, false),
        ("second convolution, W^T delta (500 x 40 by 40 x 64)", 500, 64, 40, false),
        // The deep preset's first 3×3 convolution (20×12×12 → 40×10×10): 100 positions, 6 vectors of 16 and 4 left.
        ("deep's first 3x3 convolution, W X (40 x 180 by 180 x 100)", 40, 100, 180, false),
        ("deep's first 3x3 convolution, delta X^T (40 x 100 by 100 x 180)", 40, 180, 100, false),
    ]
    for product in products {
        Benchmark("product, \(product.name), 10,000 times") { benchmark in
            var generator = SplitMix64(seed: 1)
            let (m, n, k) = (product.m, product.n, product.k)
            let a = (0..<m * k).map { _ in Float(generator.nextUnit()) }
            let b = (0..<k * n).map { _ in Float(generator.nextUnit()) }
            var c = [Float](repeating: 0, count: m * n)
            benchmark.startMeasurement()
            c.withUnsafeMutableBufferPointer { c in
                for _ in 0..<10_000 {
                    if product.transposed {
                        multiplyAddTransposed(a, b, into: c.baseAddress!, m: m, n: n, k: k)
                    } else {
                        multiplyAdd(a, b, into: c.baseAddress!, m: m, n: n, k: k)
                    }
                }
            }
            blackHole(c)
        }
    }
    Benchmark("multiply-add ceiling, 3.84e9 operations") { _ in
        blackHole(multiplyAddCeiling(steps: 10_000_000, seed: 0.5))
    }

    // The convolutional network's forward passes over the 10,000 test images, 64 at a time on each core.
    Benchmark("classify test set, network3 architecture") { benchmark in
        var generator = SplitMix64(seed: 1)
        let stack = LayerStack(network3, hidden: .relu, output: .softmax, initialization: .he, generator: &generator)
        benchmark.startMeasurement()
        blackHole(stack.correctCount(on: test))
    }

    // The forward pass over the 10,000 test images: the core of `digits evaluate`.
    Benchmark("classify test set [784,30,10]") { benchmark in
        var generator = SplitMix64(seed: 1)
        let network = Network(sizes: [784, 30, 10], generator: &generator)
        benchmark.startMeasurement()
        blackHole(network.correctCount(on: test))
    }

    // `digits predict` on one 400×400 picture: libpng decoding, preparation and the forward pass. The picture
    // is the first test digit enlarged 12 times, dark on white, written once by libpng.
    let picture = FileManager.default.temporaryDirectory.appendingPathComponent("digits-benchmark-400.png").path
    var canvas = [UInt8](repeating: 255, count: 400 * 400)
    for y in 0..<336 {
        for x in 0..<336 { canvas[(y + 32) * 400 + x + 32] = 255 - test.image(0)[test.image(0).startIndex + y / 12 * 28 + x / 12] }
    }
    try! PNGFile.writeGray(canvas, width: 400, height: 400, to: picture)
    Benchmark("predict one 400x400 PNG") { benchmark in
        var generator = SplitMix64(seed: 1)
        let network = Network(sizes: [784, 30, 10], generator: &generator)
        benchmark.startMeasurement()
        let prepared = try DigitPreparation.prepare(PictureFile.read(from: picture))
        blackHole(network.classify(prepared.networkInput))
    }

    // Reading and checking the four gzip-compressed IDX files.
    Benchmark("load MNIST (gzip IDX)") { _ in
        blackHole(try MNIST.load(.training, from: mnistFolder))
        blackHole(try MNIST.load(.test, from: mnistFolder))
    }
}
