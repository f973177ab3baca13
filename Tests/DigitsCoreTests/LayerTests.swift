import Foundation
import Testing
@testable import DigitsCore

/// Each layer kind's forward and backward pass, worked by hand on tiny inputs.
struct LayerTests {
    /// Runs `layer` forward on one sample of `input`, then backward from `outputGradient`; returns the output, the
    /// gradient of the input and that of the parameters.
    static func run(_ layer: any StackLayer, input: [Float], parameters: [Float] = [], outputGradient: [Float],
                    mode: PassMode = .inference) -> (output: [Float], inputGradient: [Float], parameterGradient: [Float]) {
        precondition(input.count == layer.inputShape.count && outputGradient.count == layer.outputShape.count)
        var output = [Float](repeating: .nan, count: layer.outputShape.count)
        var memory = [Float](repeating: .nan, count: layer.memoryCount)
        var inputGradient = [Float](repeating: .nan, count: input.count)
        var parameterGradient = [Float](repeating: 0, count: layer.parameterCount)
        input.withUnsafeBufferPointer { input in
            parameters.withUnsafeBufferPointer { parameters in
                output.withUnsafeMutableBufferPointer { output in
                    memory.withUnsafeMutableBufferPointer { memory in
                        let pass = LayerPass(input: input.baseAddress!, output: output.baseAddress!,
                                             parameters: parameters.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                             memory: memory.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                                             count: 1, firstSample: 0)
                        layer.forward(pass, mode: mode)
                        inputGradient.withUnsafeMutableBufferPointer { inputGradient in
                            parameterGradient.withUnsafeMutableBufferPointer { parameterGradient in
                                layer.backward(pass, outputGradient: outputGradient, inputGradient: inputGradient.baseAddress!,
                                               parameterGradient: parameterGradient.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                            }
                        }
                    }
                }
            }
        }
        return (output, inputGradient, parameterGradient)
    }

    /// 1 to 16 in reading order: a[y][x] = 4y + x + 1.
    static let fourByFour: [Float] = (1...16).map(Float.init)

    @Test func convolutionOfAFourByFourImageByATwoByTwoKernel() {
        let layer = Convolution(input: FeatureShape(channels: 1, height: 4, width: 4), maps: 1, kernelSize: 2)
        #expect(layer.outputShape == FeatureShape(channels: 1, height: 3, width: 3))
        #expect(layer.parameterCount == 5)
        // Kernel [[1, 2], [3, 4]], bias 0.5: z[y][x] = a[y][x] + 2a[y][x+1] + 3a[y+1][x] + 4a[y+1][x+1] + 0.5
        // = 40y + 10x + 44.5.
        let result = Self.run(layer, input: Self.fourByFour, parameters: [1, 2, 3, 4, 0.5],
                              outputGradient: [Float](repeating: 1, count: 9))
        #expect(result.output == [44.5, 54.5, 64.5, 84.5, 94.5, 104.5, 124.5, 134.5, 144.5])
        // With δ = 1 everywhere: ∂C/∂w[i][j] = Σ_y Σ_x a[y + i][x + j] = 9 (4i + j + 1) + 45, ∂C/∂b = 9.
        #expect(result.parameterGradient == [54, 63, 90, 99, 9])
        // ∂C/∂a[p][q] sums the kernel weights that touch (p, q): 1 at a corner, all four (10) inside.
        #expect(result.inputGradient == [1, 3, 3, 2,
                                         4, 10, 10, 6,
                                         4, 10, 10, 6,
                                         3, 7, 7, 4])
    }

    @Test func convolutionSumsOverInputChannelsIntoEachMap() {
        // Two input maps, two output maps, 1×1 kernels: each output map is a weighted sum of the inputs.
        let layer = Convolution(input: FeatureShape(channels: 2, height: 1, width: 2), maps: 2, kernelSize: 1)
        // w[0] = [1, 10], w[1] = [-1, 0.5]; biases 0 and 3.
        let result = Self.run(layer, input: [1, 2, 3, 4], parameters: [1, 10, -1, 0.5, 0, 3], outputGradient: [1, 0, 0, 2])
        #expect(result.output == [31, 42, 3.5, 3])
        // ∂C/∂w[o][c] = Σ_x δ[o][x] a[c][x]; ∂C/∂a[c][x] = Σ_o w[o][c] δ[o][x].
        #expect(result.parameterGradient == [1, 3, 4, 8, 1, 2])
        #expect(result.inputGradient == [1, -2, 10, 1])
    }

    /// Every width a map's rows can have, from one value to two vectors and more, each way the rows are copied and
    /// added (by eights, by fours, overlapping, one by one), and both ways the weights' gradient is formed (fewer
    /// positions than a patch's weights, and more): forward and backward against the textbook sums. Small integers,
    /// so that every sum is exact whatever its order.
    @Test(arguments: [2, 3, 5])
    func convolutionAgreesWithTheTextbookSumsAtEveryWidth(kernelSize k: Int) {
        var generator = SplitMix64(seed: UInt64(k))
        func integers(_ count: Int) -> [Float] { (0..<count).map { _ in Float(generator.nextIndex(below: 9)) - 4 } }
        let (channels, maps, height) = (2, 3, k + 2)
        for width in k...k + 20 {
            let layer = Convolution(input: FeatureShape(channels: channels, height: height, width: width), maps: maps,
                                    kernelSize: k)
            let (outHeight, outWidth) = (height - k + 1, width - k + 1)
            let input = integers(layer.inputShape.count)
            let parameters = integers(layer.parameterCount)
            let delta = integers(layer.outputShape.count)
            let result = Self.run(layer, input: input, parameters: parameters, outputGradient: delta)

            func a(_ c: Int, _ y: Int, _ x: Int) -> Int { (c * height + y) * width + x }
            func w(_ o: Int, _ c: Int, _ i: Int, _ j: Int) -> Int { ((o * channels + c) * k + i) * k + j }
            func z(_ o: Int, _ y: Int, _ x: Int) -> Int { (o * outHeight + y) * outWidth + x }
            var output = [Float](repeating: 0, count: layer.outputShape.count)
            var inputGradient = [Float](repeating: 0, count: input.count)
            var parameterGradient = [Float](repeating: 0, count: parameters.count)
            for o in 0..<maps {
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        output[z(o, y, x)] = parameters[layer.weightCount + o]
                        parameterGradient[layer.weightCount + o] += delta[z(o, y, x)]
                        for c in 0..<channels {
                            for i in 0..<k {
                                for j in 0..<k {
                                    output[z(o, y, x)] += parameters[w(o, c, i, j)] * input[a(c, y + i, x + j)]
                                    parameterGradient[w(o, c, i, j)] += delta[z(o, y, x)] * input[a(c, y + i, x + j)]
                                    inputGradient[a(c, y + i, x + j)] += parameters[w(o, c, i, j)] * delta[z(o, y, x)]
                                }
                            }
                        }
                    }
                }
            }
            #expect(result.output == output, "k \(k), width \(width): output")
            #expect(result.inputGradient == inputGradient, "k \(k), width \(width): input gradient")
            #expect(result.parameterGradient == parameterGradient, "k \(k), width \(width): parameter gradient")
        }
    }

    @Test func maxPoolingPassesTheGradientToTheFirstLargestOfATie() {
        let layer = MaxPooling(input: FeatureShape(channels: 1, height: 4, width: 4), poolSize: 2)
        #expect(layer.outputShape == FeatureShape(channels: 1, height: 2, width: 2))
        let input: [Float] = [5, 5, 0, -1,
                              1, 2, -3, -2,
                              7, 8, 4, 4,
                              9, 6, 4, 4]
        let result = Self.run(layer, input: input, outputGradient: [10, 20, 30, 40])
        #expect(result.output == [5, 0, 9, 4])
        #expect(result.inputGradient == [10, 0, 20, 0,
                                         0, 0, 0, 0,
                                         0, 0, 40, 0,
                                         30, 0, 0, 0])
    }

    @Test func maxPoolingOfARowOfBlocksComparedFourAtATimeAndTheRestOneByOne() {
        // Five blocks in a row: the first four go through the vector path, the fifth through the scalar one.
        let layer = MaxPooling(input: FeatureShape(channels: 1, height: 2, width: 10), poolSize: 2)
        let input: [Float] = [1, 3, 2, 2, -1, -5, 0, 0, 7, 1,
                              3, 0, 2, 9, -2, -1, 0, 0, 7, 8]
        let result = Self.run(layer, input: input, outputGradient: [1, 2, 3, 4, 5])
        #expect(result.output == [3, 9, -1, 0, 8])
        // Ties (3 and 3, -1 and -1, four 0s) go to the first in reading order.
        #expect(result.inputGradient == [0, 1, 0, 0, 3, 0, 4, 0, 0, 0,
                                         0, 0, 0, 2, 0, 0, 0, 0, 0, 5])
    }

    @Test func maxPoolingFourBlocksAtATimeLeavesOutTheRowAndColumnBeyondThem() {
        let layer = MaxPooling(input: FeatureShape(channels: 1, height: 3, width: 9), poolSize: 2)
        #expect(layer.outputShape == FeatureShape(channels: 1, height: 1, width: 4))
        let input: [Float] = [1, 2, 3, 3, -1, -2, 0, 5, 99,
                              4, 0, 3, 1, -3, -1, 5, 5, 99,
                              99, 99, 99, 99, 99, 99, 99, 99, 99]
        let result = Self.run(layer, input: input, outputGradient: [1, 2, 3, 4])
        #expect(result.output == [4, 3, -1, 5])
        // Ties: three 3s, two -1s, three 5s; the first in reading order of each block takes the gradient.
        #expect(result.inputGradient == [0, 0, 2, 0, 3, 0, 0, 4, 0,
                                         1, 0, 0, 0, 0, 0, 0, 0, 0,
                                         0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func maxPoolingOfThreeByThreeBlocks() {
        let layer = MaxPooling(input: FeatureShape(channels: 1, height: 3, width: 6), poolSize: 3)
        let input: [Float] = [1, 7, 2, 0, 0, 0,
                              7, 3, 3, 0, 0, 0,
                              5, 6, 7, 0, 0, 0]
        let result = Self.run(layer, input: input, outputGradient: [5, 6])
        #expect(result.output == [7, 0])
        #expect(result.inputGradient == [0, 5, 0, 6, 0, 0,
                                         0, 0, 0, 0, 0, 0,
                                         0, 0, 0, 0, 0, 0])
    }

    @Test func maxPoolingLeavesOutRowsAndColumnsBeyondTheLastWholeBlock() {
        let layer = MaxPooling(input: FeatureShape(channels: 2, height: 3, width: 3), poolSize: 2)
        #expect(layer.outputShape == FeatureShape(channels: 2, height: 1, width: 1))
        let result = Self.run(layer, input: [1, 2, 99, 3, 4, 99, 99, 99, 99] + [-4, -3, 0, -2, -1, 0, 0, 0, 0],
                              outputGradient: [1, 2])
        #expect(result.output == [4, -1])
        #expect(result.inputGradient == [0, 0, 0, 0, 1, 0, 0, 0, 0] + [0, 0, 0, 0, 2, 0, 0, 0, 0])
    }

    @Test func denseLayerIsWTimesAPlusB() {
        let layer = FullyConnected(input: FeatureShape(channels: 1, height: 1, width: 3), neurons: 2)
        // W = [[1, 2, 3], [-1, 0, 1]], b = [0.5, -0.5].
        let result = Self.run(layer, input: [1, 2, 3], parameters: [1, 2, 3, -1, 0, 1, 0.5, -0.5], outputGradient: [1, 2])
        #expect(result.output == [14.5, 1.5])
        #expect(result.parameterGradient == [1, 2, 3, 2, 4, 6, 1, 2])
        #expect(result.inputGradient == [-1, 2, 5])
    }

    @Test func dropoutKeepsEachValueWithProbabilityOneMinusPScaledUp() {
        let shape = FeatureShape(neurons: 2_000)
        let layer = Dropout(input: shape, rate: 0.25)
        let input = (0..<2_000).map { Float($0 % 7) + 1 }
        let gradient = [Float](repeating: 1, count: 2_000)
        let training = Self.run(layer, input: input, outputGradient: gradient, mode: .training(seed: 3))
        let kept = zip(training.output, input).filter { $0.0 != 0 }
        #expect(kept.allSatisfy { $0.0 == $0.1 * (1 / 0.75) })
        // 1,500 expected; the binomial's standard deviation is about 19.
        #expect((1_400...1_600).contains(kept.count))
        // The gradient flows through the kept values only, scaled alike.
        #expect(zip(training.inputGradient, training.output).allSatisfy { $0.1 == 0 ? $0.0 == 0 : $0.0 == 1 / 0.75 })
        // The same seed draws the same mask; another seed another.
        #expect(Self.run(layer, input: input, outputGradient: gradient, mode: .training(seed: 3)).output == training.output)
        #expect(Self.run(layer, input: input, outputGradient: gradient, mode: .training(seed: 4)).output != training.output)
        // Reading, every value passes unchanged.
        #expect(Self.run(layer, input: input, outputGradient: gradient).output == input)
    }

    @Test func batchNormalizationStandardisesEachChannelOverThePassAndReadsByThePopulation() {
        // Two channels of 2 × 2. Channel 0: 1, 1, 3, 3 (mean 2, variance 1); channel 1: 0, 4, 0, 4 (mean 2,
        // variance 4): x̂ = ±1 in both (to ε = 10⁻⁵). γ = (2, 3), β = (0.5, −1); the population's μ = (10, 0) and
        // σ² = (4, 1) are for reading only.
        let layer = BatchNormalization(input: FeatureShape(channels: 2, height: 2, width: 2))
        let parameters: [Float] = [2, 3, 0.5, -1, 10, 0, 4, 1]
        let input: [Float] = [1, 1, 3, 3, 0, 4, 0, 4]
        let training = Self.run(layer, input: input, parameters: parameters,
                                outputGradient: [1, 0, 0, 0, 1, 1, 1, 1], mode: .training(seed: 1))
        func close(_ a: [Float], _ b: [Float]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 } }
        // y = γ x̂ + β.
        #expect(close(training.output, [-1.5, -1.5, 2.5, 2.5, -4, 2, -4, 2]))
        // ∂C/∂x = γ/σ (g − mean g − x̂ mean(g x̂)): channel 0, mean g = ¼, mean(g x̂) = −¼: 2 (1 − ¼ − ¼) = 1,
        // 2 (0 − ¼ − ¼) = −1, 2 (0 − ¼ + ¼) = 0, 0; channel 1's g is the same everywhere, which x̂ cannot change.
        #expect(close(training.inputGradient, [1, -1, 0, 0, 0, 0, 0, 0]))
        // ∂C/∂γ = Σ g x̂ = (−1, 0), ∂C/∂β = Σ g = (1, 4); the population's statistics learn nothing.
        #expect(close(training.parameterGradient, [-1, 0, 1, 4, 0, 0, 0, 0]))
        // Reading: γ (x − μ) / √(σ² + ε) + β with the population's μ and σ².
        let reading = Self.run(layer, input: input, parameters: parameters, outputGradient: [Float](repeating: 0, count: 8))
        #expect(close(reading.output, [-8.5, -8.5, -6.5, -6.5, -1, 11, -1, 11]))
    }

    @Test func softmaxOutputsSumToOneAndItsGradientIsTheJacobians() {
        let layer = ActivationLayer(input: FeatureShape(neurons: 3), function: .softmax)
        // Large inputs: e^z alone would overflow.
        let result = Self.run(layer, input: [1000, 1001, 999], outputGradient: [1, 0, 0])
        let e = [Float](arrayLiteral: Foundation.exp(-1), 1, Foundation.exp(-2))
        let sum = e.reduce(0, +)
        for (a, expected) in zip(result.output, e.map { $0 / sum }) { #expect(abs(a - expected) < 1e-6) }
        // ∂a_0/∂z_i = a_0 (1[i = 0] − a_i).
        let a = result.output
        for (i, g) in result.inputGradient.enumerated() {
            #expect(abs(g - a[i] * ((i == 0 ? 1 : 0) - a[0])) < 1e-6)
        }
    }
}
