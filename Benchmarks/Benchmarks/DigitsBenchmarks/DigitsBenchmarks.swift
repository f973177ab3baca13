import Benchmark
import DigitsCore
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

    // The forward pass over the 10,000 test images: the core of `digits evaluate`.
    Benchmark("classify test set [784,30,10]") { benchmark in
        var generator = SplitMix64(seed: 1)
        let network = Network(sizes: [784, 30, 10], generator: &generator)
        benchmark.startMeasurement()
        blackHole(network.correctCount(on: test))
    }

    // Reading and checking the four gzip-compressed IDX files.
    Benchmark("load MNIST (gzip IDX)") { _ in
        blackHole(try MNIST.load(.training, from: mnistFolder))
        blackHole(try MNIST.load(.test, from: mnistFolder))
    }
}
