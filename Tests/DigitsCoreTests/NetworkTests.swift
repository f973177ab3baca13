import Foundation
import Testing
@testable import DigitsCore

/// The target vector of class `c` among `count`.
func oneHot(_ c: Int, of count: Int) -> [Float] {
    (0..<count).map { $0 == c ? 1 : 0 }
}

@Suite struct NetworkTests {
    /// ½‖a − y‖² for one input, in Double from the Float32 forward pass.
    private func cost(_ network: Network, _ input: [Float], label: Int) -> Double {
        network.feedForward(input).enumerated().reduce(0) { sum, item in
            let y: Double = item.offset == label ? 1 : 0
            return sum + 0.5 * (Double(item.element) - y) * (Double(item.element) - y)
        }
    }

    /// Replaces W[j][k] of layer `l` (book layout) by `value`.
    private func setting(_ network: Network, layer l: Int, _ j: Int, _ k: Int, to value: Float) -> Network {
        var layers = network.layers
        var w = layers[l].rowMajorWeights
        w[j * layers[l].inputCount + k] = value
        layers[l] = Network.Layer(inputCount: layers[l].inputCount, outputCount: layers[l].outputCount,
                                  rowMajorWeights: w, biases: layers[l].biases)
        return Network(layers: layers)
    }

    @Test func backpropagationMatchesFiniteDifferences() {
        var generator = SplitMix64(seed: 7)
        let network = Network(sizes: [5, 4, 3, 2], generator: &generator)
        let input: [Float] = [0.9, 0, 0.3, 1, 0.5]
        let label = 1
        let eta: Float = 1

        // One descent step on one sample with η = 1 moves every weight by exactly −∂C/∂w.
        let stepped = network.descended(on: [(input, oneHot(label, of: 2))], learningRate: eta)

        let h: Float = 1e-2
        var checked = 0
        for (l, layer) in network.layers.enumerated() {
            let before = layer.rowMajorWeights
            let after = stepped.layers[l].rowMajorWeights
            for j in 0..<layer.outputCount {
                for k in 0..<layer.inputCount {
                    let w = before[j * layer.inputCount + k]
                    let numeric = (cost(setting(network, layer: l, j, k, to: w + h), input, label: label)
                        - cost(setting(network, layer: l, j, k, to: w - h), input, label: label)) / Double(2 * h)
                    let analytic = Double(before[j * layer.inputCount + k] - after[j * layer.inputCount + k])
                    #expect(abs(numeric - analytic) <= 1e-3 * max(1, abs(numeric)) + 2e-5,
                            "layer \(l) W[\(j)][\(k)]: backprop \(analytic), finite difference \(numeric)")
                    checked += 1
                }
            }
        }
        #expect(checked == 5 * 4 + 4 * 3 + 3 * 2)
    }

    @Test func biasGradientIsTheOutputErrorSignal() {
        // For the last layer, ∂C/∂b = δ_L = (a − y) σ′(z) = (a − y) a (1 − a).
        let network = Network(layers: [Network.Layer(inputCount: 1, outputCount: 2, rowMajorWeights: [0.5, -0.5], biases: [0.1, 0.2])])
        let input: [Float] = [1]
        let a = network.feedForward(input)
        let b = network.descended(on: [(input, [1, 0])], learningRate: 1).layers[0].biases
        #expect(abs((0.1 - b[0]) - (a[0] - 1) * a[0] * (1 - a[0])) < 1e-6)
        #expect(abs((0.2 - b[1]) - a[1] * a[1] * (1 - a[1])) < 1e-6)
    }

    @Test func miniBatchStepAveragesItsSamples() {
        // A step on a mini-batch of two equals the mean of the two single-sample steps.
        var generator = SplitMix64(seed: 3)
        let network = Network(sizes: [3, 2, 2], generator: &generator)
        let inputs: [[Float]] = [[1, 0, 0.5], [0, 0.25, 1]]
        let labels = [0, 1]
        func step(_ samples: [Int]) -> Network {
            network.descended(on: samples.map { (inputs[$0], oneHot(labels[$0], of: 2)) }, learningRate: 0.5)
        }
        let both = step([0, 1]), first = step([0]), second = step([1])
        for l in network.layers.indices {
            for i in network.layers[l].weights.indices {
                let w0 = network.layers[l].weights[i]
                let expected = w0 + ((first.layers[l].weights[i] - w0) + (second.layers[l].weights[i] - w0)) / 2
                #expect(abs(both.layers[l].weights[i] - expected) < 1e-6)
            }
        }
    }

    @Test func sigmoidIsFiniteEverywhere() {
        let z = SIMD8<Float>(-1e30, -1000, -89, 0, 89, 1000, 1e30, .infinity)
        let a = sigmoid(z)
        for i in 0..<8 { #expect(a[i].isFinite && a[i] >= 0 && a[i] <= 1, "σ(\(z[i])) = \(a[i])") }
        #expect(sigmoid(-z)[7] < 1e-38)
        #expect(a[3] == 0.5)
    }

    @Test func sigmoidMatchesTheFormula() {
        // Against 1 / (1 + e^−z) in Double, over the range where σ is not saturated.
        var worst: Double = 0
        for i in -8_000...8_000 {
            let z = Float(i) / 200
            let exact = 1 / (1 + Foundation.exp(-Double(z)))
            let got = Double(sigmoid(SIMD8(repeating: z))[0])
            worst = max(worst, abs(got - exact) / exact)
        }
        #expect(worst < 4e-7, "largest relative error \(worst)")
    }

    @Test func initialWeightsAreStandardNormal() {
        var generator = SplitMix64(seed: 1)
        let network = Network(sizes: [784, 30, 10], generator: &generator)
        let values = network.layers.flatMap { $0.weights + $0.biases }.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        // 23,860 draws: the standard error of the mean is 0.0065, of the variance about 0.009.
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test func weightLayoutsRoundTrip() {
        let layer = Network.Layer(inputCount: 3, outputCount: 2, rowMajorWeights: [1, 2, 3, 4, 5, 6], biases: [0, 0])
        // W = [[1, 2, 3], [4, 5, 6]]; stored as Wᵀ.
        #expect(layer.weights == [1, 4, 2, 5, 3, 6])
        #expect(layer.rowMajorWeights == [1, 2, 3, 4, 5, 6])
    }
}

@Suite struct SplitMix64Tests {
    @Test func matchesTheReferenceSequence() {
        // First outputs of SplitMix64 seeded with 0, as the reference C implementation (Vigna) prints them.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func shuffleIsASeededPermutation() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        var x = Array(0..<1000), y = Array(0..<1000)
        x.shuffle(using: &a)
        y.shuffle(using: &b)
        #expect(x == y)
        #expect(x != Array(0..<1000))
        #expect(x.sorted() == Array(0..<1000))
    }

    @Test func indicesAreUniform() {
        var generator = SplitMix64(seed: 9)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 { counts[generator.nextIndex(below: 10)] += 1 }
        // Each count is binomial(100,000, 0.1): standard deviation 95; 5σ bounds.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 475 }, "\(counts)")
    }
}
