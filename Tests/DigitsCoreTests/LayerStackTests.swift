import Foundation
import Testing
@testable import DigitsCore

/// Backpropagation through stacks of every layer kind, checked against finite differences, and the notation that
/// describes them.
struct LayerStackTests {
    /// Architectures that use every kind and every way two kinds can meet, with the activations and costs the
    /// flags allow, and both ways a convolution forms its weights' gradient: positions at least as many as a
    /// patch's weights (2C3 on 6×6), and fewer (3x6x6-2C3: 16 positions, 27 weights; then 4C3: 4 and 18; 3C5 on
    /// 2×8×8: 16 and 50). Maps 3 to 13 wide, so that rows are copied by vectors of eight and four, overlapping, and
    /// by single values. Batch normalisation's samples pass three together (one sample's dense level has no
    /// variance); the others one at a time, as each sample added is more kinks of ReLU and pooling that a finite
    /// difference can straddle (ReLU networks with BN have their values spread to where kinks are, hence the
    /// sigmoid network on 18 × 18 maps, whose 324 positions are normalised 16 at a time and 4 alone).
    static let cases: [(architecture: String, hidden: Network.Activation, output: Network.Activation, cost: Cost, samples: Int)] = [
        ("1x6x6-2C3-MP2-3N", .relu, .softmax, .crossEntropy, 1),
        ("2x7x7-3C2-MP3-D0.3-4N-3N", .sigmoid, .sigmoid, .crossEntropy, 1),
        ("1x8x8-2C3-3C2-MP2-D0.5-5N-D0.2-3N", .relu, .sigmoid, .quadratic, 1),
        ("1x5x4-2C2-MP2-3N", .sigmoid, .identity, .quadratic, 1),
        ("8-D0.4-8N-3N", .relu, .softmax, .crossEntropy, 1),
        ("3x6x6-2C3-4C3-MP2-3N", .relu, .softmax, .crossEntropy, 1),
        ("1x12x12-2C3-MP2-3N", .relu, .softmax, .crossEntropy, 1),
        ("1x15x15-2C3-MP2-3N", .relu, .softmax, .crossEntropy, 1),
        ("2x8x8-3C5-2C2-3N", .relu, .softmax, .crossEntropy, 1),
        ("1x6x6-2C3-BN-MP2-BN-4N-BN-3N", .relu, .softmax, .crossEntropy, 3),
        ("2x5x5-BN-3C2-MP2-BN-D0.3-4N-3N", .sigmoid, .sigmoid, .quadratic, 3),
        ("1x19x19-2C2-BN-3N", .sigmoid, .softmax, .crossEntropy, 3),
    ]

    @Test(arguments: cases.indices)
    func backpropagationMatchesFiniteDifferences(case index: Int) throws {
        let (text, hidden, output, cost, samples) = Self.cases[index]
        let architecture = try Architecture(text)
        var generator = SplitMix64(seed: UInt64(11 + index))
        // He's draw (biases 0) leaves about half of the ReLUs on; N(0, 1) biases would switch most of them off.
        var stack = LayerStack(architecture, hidden: hidden, output: output,
                               initialization: hidden == .relu ? .he : .scaled, generator: &generator)
        let batch = (0..<samples).map { c in
            ((0..<stack.inputShape.count).map { _ in Float(generator.nextUnit()) },
             (0..<stack.outputShape.count).map { Float($0 == c ? 1 : 0) })
        }
        let mode = PassMode.training(seed: 5)
        let analytic = stack.gradient(batch, cost: cost, seed: 5)

        // Central differences in Double of a Float cost: h large enough that rounding stays small, small enough
        // that a step rarely crosses a ReLU's or a pool's kink (the inputs are random, so ties are unlikely).
        let h: Float = 1e-3
        var checked = 0
        let parameters = stack.parameters
        for p in parameters.indices {
            var shifted = parameters
            shifted[p] = parameters[p] + h
            stack = stack.with(parameters: shifted)
            let plus = Double(stack.cost(batch, cost, mode: mode))
            shifted[p] = parameters[p] - h
            stack = stack.with(parameters: shifted)
            let minus = Double(stack.cost(batch, cost, mode: mode))
            let numeric = (plus - minus) / Double(2 * h)
            #expect(abs(numeric - Double(analytic[p])) <= 5e-3 * max(1, abs(numeric)) + 2e-4,
                    "\(text) parameter \(p): backprop \(analytic[p]), finite difference \(numeric)")
            if abs(analytic[p]) > 1e-3 { checked += 1 }
        }
        // Dropped values and pools' losers give some parameters no gradient; most must still have one.
        #expect(checked >= parameters.count / 3, "only \(checked) of \(parameters.count) parameters had a gradient to check")
    }

    @Test func aBatchsGradientIsTheSumOfItsSamples() throws {
        let architecture = try Architecture("2x6x6-2C3-MP2-4N-3N")
        var generator = SplitMix64(seed: 2)
        let stack = LayerStack(architecture, hidden: .relu, output: .softmax, initialization: .scaled,
                               generator: &generator)
        let samples = (0..<3).map { c in
            ((0..<72).map { _ in Float(generator.nextUnit()) }, (0..<3).map { Float($0 == c ? 1 : 0) })
        }
        let batch = stack.gradient(samples, cost: .crossEntropy)
        let sum = samples.map { stack.gradient([$0], cost: .crossEntropy) }
            .reduce([Float](repeating: 0, count: stack.parameters.count)) { zip($0, $1).map(+) }
        #expect(batch.count { $0 != 0 } > batch.count / 2)
        for (a, b) in zip(sum, batch) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a))) }
    }

    @Test func calibrationGivesEachBatchNormalizationItsInputsMeanAndVariance() throws {
        // With γ = 1 and β = 0, a normalisation calibrated on some inputs gives them mean 0 and variance 1 per
        // channel, while reading; the second only if it was measured with the first already set.
        let architecture = try Architecture("2x5x5-BN-3C2-BN-MP2-BN-2N")
        var generator = SplitMix64(seed: 8)
        let stack = LayerStack(architecture, hidden: .relu, output: .softmax, initialization: .he, generator: &generator)
        let count = 150
        // Channels of different means and spreads, samples shifted a little.
        var inputs: [[Float]] = []
        for s in 0..<count {
            var input: [Float] = []
            for v in 0..<50 {
                let spread = Float(1 + v % 3)
                let offset: Float = v < 25 ? 5 : -2
                input.append(Float(generator.nextUnit()) * spread + offset + Float(s % 4))
            }
            inputs.append(input)
        }
        let calibrated = stack.calibrated(on: SparseInputs(rows: inputs))
        let pass = StackPass(calibrated, batchCapacity: count)
        let flat = inputs.flatMap { $0 }
        flat.withUnsafeBufferPointer { flat in
            calibrated.parameters.withUnsafeBufferPointer { parameters in
                _ = pass.forward(flat.baseAddress!, count: count, parameters: parameters.baseAddress!, mode: PassMode.inference)
            }
        }
        let normalisations = calibrated.layers.indices.filter { calibrated.layers[$0] is BatchNormalization }
        #expect(normalisations.count == 3)
        for l in normalisations {
            let shape = calibrated.layers[l].outputShape
            let positions = shape.height * shape.width
            let output = pass.output(of: l)
            for c in 0..<shape.channels {
                var values: [Double] = []
                for s in 0..<count {
                    for p in 0..<positions { values.append(Double(output[s * shape.count + c * positions + p])) }
                }
                let mean = values.reduce(0, +) / Double(values.count)
                var variance: Double = 0
                for value in values { variance += (value - mean) * (value - mean) }
                variance /= Double(values.count)
                #expect(abs(mean) < 1e-4 && abs(variance - 1) < 1e-3, "layer \(l) channel \(c): mean \(mean), variance \(variance)")
            }
        }
    }

    @Test func outputsRunEveryLayerInTurn() throws {
        let architecture = try Architecture("1x3x3-1C2-MP2-2N")
        // Kernel [[1, 0], [0, 1]]: z[y][x] = a[y][x] + a[y + 1][x + 1] = [6, 8, 12, 14]; ReLU keeps them; the pool
        // keeps 14; W = [[1], [-1]], b = 0: [14, -14], which the identity output leaves as they are.
        let stack = LayerStack(architecture, hidden: .relu, output: .identity,
                               parameters: [1, 0, 0, 1, 0] + [1, -1, 0, 0])
        let expected: [Float] = [14, -14]
        #expect(stack.outputs((1...9).map(Float.init)) == expected)
    }

    @Test func theFirstLayerWithWeightsIsWhatThePageDraws() throws {
        var generator = SplitMix64(seed: 3)
        let stack = LayerStack(try Architecture("1x8x8-D0.2-3C3-MP2-4N"), hidden: .relu, output: .softmax,
                               initialization: .he, generator: &generator)
        let pictures = TrainedNetwork.layered(stack).firstLayerPictures()
        #expect(pictures.name == "3C3" && pictures.count == 3 && pictures.height == 3 && pictures.width == 3)
        // Kernel o's 3 × 3 weights start at 9·o: one input channel.
        let expected: [Float] = Array(stack.parameters[0..<27])
        #expect(pictures.values == expected)
        let dense = TrainedNetwork.layered(LayerStack(try Architecture("2x4x4-D0.5-5N-3N"), hidden: .relu, output: .softmax,
                                                      initialization: .he, generator: &generator))
        let neurons = dense.firstLayerPictures(limit: 2)
        #expect(neurons.count == 2 && neurons.height == 4 && neurons.width == 4 && neurons.name == "5N")
        // Batch normalisation before the first convolution has nothing to draw: the kernels after it are drawn.
        let normalised = LayerStack(try Architecture("1x8x8-BN-3C3-MP2-4N"), hidden: .relu, output: .softmax,
                                    initialization: .he, generator: &generator)
        let kernels = TrainedNetwork.layered(normalised).firstLayerPictures()
        #expect(kernels.name == "3C3" && kernels.count == 3 && kernels.values == Array(normalised.parameters[4..<31]))
    }

    @Test func thePagesLevelsStepOverBatchNormalization() throws {
        // Each convolution's activation, each pooling and each dense level, named and shaped as the notation
        // says, whatever batch normalisations stand between them; the values are those the pass computed there.
        var generator = SplitMix64(seed: 6)
        let stack = LayerStack(try Architecture("1x8x8-2C3-BN-MP2-BN-4N-BN-3N"), hidden: .relu, output: .softmax,
                               initialization: .he, generator: &generator)
        let input = (0..<64).map { _ in Float(generator.nextUnit()) }
        let levels = TrainedNetwork.layered(stack).levels(input)
        #expect(levels.map(\.name) == ["2C3", "MP2", "4N", "3N"])
        // Maps as they are; a dense level as one row.
        #expect(levels.map { [$0.count, $0.height, $0.width] } == [[2, 6, 6], [2, 3, 3], [1, 1, 4], [1, 1, 3]])
        // The last level is the network's output.
        #expect(levels[3].values == stack.outputs(input))
        #expect(abs(levels[3].values.reduce(0, +) - 1) < 1e-5)
    }

    @Test func network3sArchitectureHasTheBooksShapes() throws {
        let architecture = try Architecture("1x28x28-20C5-MP2-40C5-MP2-100N-10N")
        #expect(architecture.description == "1x28x28-20C5-MP2-40C5-MP2-100N-10N")
        let layers = architecture.layers(hidden: .relu, output: .softmax)
        #expect(layers.map(\.outputShape.description) == ["20x24x24", "20x24x24", "20x12x12", "40x8x8", "40x8x8",
                                                          "40x4x4", "100", "100", "10", "10"])
        // 20 × 25 + 20, 40 × 20 × 25 + 40, 100 × 640 + 100, 10 × 100 + 10.
        let parameters = 520 + 20_040 + 64_100 + 1_010
        #expect(layers.map(\.parameterCount).reduce(0, +) == parameters)
    }

    @Test(arguments: [
        ("28x28-20c5-mp2-d0.5-10n", "1x28x28-20C5-MP2-D0.5-10N"),
        ("784-30N-10n", "784-30N-10N"),
        ("3x32x32-32C3-MP2-10N", "3x32x32-32C3-MP2-10N"),
        ("1x28x28-20C5-bn-MP2-Bn-100N-BN-10N", "1x28x28-20C5-BN-MP2-BN-100N-BN-10N"),
    ])
    func readsTheNotation(text: String, normalised: String) throws {
        #expect(try Architecture(text).description == normalised)
    }

    @Test(arguments: [
        ("1x28x28-20C5-MP2-40C5-MP2-40C5-10N", "40C5: a 5×5 kernel does not fit the 4×4 maps it gets"),
        ("1x28x28-20C5-MP2-40C5-MP2-MP8-10N", "MP8: a 8×8 pool does not fit the 4×4 maps it gets"),
        ("1x28x28-20Q5-10N", "20Q5: not a layer"),
        ("1x28x28-20C5", "20C5: the last layer must be the dense output layer"),
        ("1x28x28-20C5-MP2", "MP2: the last layer must be the dense output layer"),
        ("1x28x28-20C5-10N-BN", "BN: the last layer must be the dense output layer"),
        ("1x28x28-BNN-10N", "BNN: not a layer"),
        ("1x28x28-100000N-10N", "100000N: the network would have more than 67108864 parameters"),
        ("1x28x28-D1.5-10N", "D1.5: a dropout rate is at least 0 and below 1"),
        ("0x28x28-10N", "0x28x28: the input is CxHxW"),
        ("1x28x28--10N", ": not a layer"),
        ("", "empty architecture"),
        ("1x28x28-0C5-10N", "0C5: not a layer"),
        ("4096x4096x4096-10N", "4096x4096x4096: more than 1048576 input values"),
        // A 400 × 400 kernel on 1,024 × 1,024 would unroll 160,000 values at each of 625 × 625 places per picture.
        ("1x1024x1024-1C400-10N", "1C400: 62500000000 values of working memory per sample; at most 4194304"),
    ])
    func rejectsAnArchitectureNamingTheOffendingPart(text: String, message: String) {
        #expect {
            try Architecture(text)
        } throws: { error in
            (error as? ArchitectureError)?.description.hasPrefix(message) == true
        }
    }
}
