import Foundation
import Testing
@testable import DigitsCore

/// The target vector of class `c` among `count`.
func oneHot(_ c: Int, of count: Int) -> [Float] {
    (0..<count).map { $0 == c ? 1 : 0 }
}

@Suite struct NetworkTests {
    /// Replaces W[j][k] of layer `l` (book layout) by `value`.
    private func setting(_ network: Network, layer l: Int, _ j: Int, _ k: Int, to value: Float) -> Network {
        var layers = network.layers
        var w = layers[l].rowMajorWeights
        w[j * layers[l].inputCount + k] = value
        layers[l] = Network.Layer(inputCount: layers[l].inputCount, outputCount: layers[l].outputCount,
                                  rowMajorWeights: w, biases: layers[l].biases, activation: layers[l].activation)
        return Network(layers: layers)
    }

    /// Every combination of neurons and cost that training offers, with the tolerance its check needs.
    static let kinds: [(hidden: Network.Activation, output: Network.Activation, cost: Cost)] = [
        (.sigmoid, .sigmoid, .quadratic),      // network.py
        (.sigmoid, .sigmoid, .crossEntropy),   // network2.py
        (.sigmoid, .softmax, .crossEntropy),
        (.relu, .softmax, .crossEntropy),      // the best preset
        (.relu, .softmax, .quadratic),
        (.relu, .sigmoid, .quadratic),
        (.identity, .sigmoid, .crossEntropy),
    ]

    @Test(arguments: kinds.indices)
    func backpropagationMatchesFiniteDifferences(kind index: Int) {
        let (hidden, output, cost) = Self.kinds[index]
        var generator = SplitMix64(seed: 7)
        // Scaled weights keep the sigmoid neurons out of saturation, where every derivative is near 0 and the
        // check would prove little.
        let drawn = Network(sizes: [5, 4, 3, 2], hidden: hidden, output: output, initialization: .scaled, generator: &generator)
        // Hidden biases of 0.5 or more keep (nearly) every ReLU on, so that weights have gradients to check.
        let network = Network(layers: drawn.layers.enumerated().map { l, layer in
            l == drawn.layers.count - 1 ? layer : Network.Layer(
                inputCount: layer.inputCount, outputCount: layer.outputCount, rowMajorWeights: layer.rowMajorWeights,
                biases: layer.biases.map { 0.5 + 0.1 * abs($0) }, activation: layer.activation)
        })
        let input: [Float] = [0.9, 0, 0.3, 1, 0.5]
        let target = oneHot(1, of: 2)

        // One descent step on one sample with η = 1 moves every weight by exactly −∂C/∂w.
        let stepped = network.descended(on: [(input, target)], learningRate: 1, cost: cost)

        let h: Float = 1e-2
        var checked = 0
        for (l, layer) in network.layers.enumerated() {
            let before = layer.rowMajorWeights
            let after = stepped.layers[l].rowMajorWeights
            for j in 0..<layer.outputCount {
                for k in 0..<layer.inputCount {
                    let w = before[j * layer.inputCount + k]
                    let numeric = (Double(setting(network, layer: l, j, k, to: w + h).cost(input, target: target, cost))
                        - Double(setting(network, layer: l, j, k, to: w - h).cost(input, target: target, cost))) / Double(2 * h)
                    let analytic = Double(before[j * layer.inputCount + k] - after[j * layer.inputCount + k])
                    #expect(abs(numeric - analytic) <= 2e-3 * max(1, abs(numeric)) + 5e-5,
                            "\(hidden.name)/\(output.name)/\(cost.name) layer \(l) W[\(j)][\(k)]: backprop \(analytic), finite difference \(numeric)")
                    if abs(analytic) > 1e-4 { checked += 1 }
                }
            }
        }
        // Input 1 is 0, so the 4 weights out of it have no gradient, nor have those into or out of a ReLU that is
        // off; the check must still have covered most of the other 34.
        #expect(checked >= 20, "only \(checked) weights had a gradient to check")
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

    @Test func softmaxOutputsArePositiveAndSumToOne() {
        let network = Network(layers: [Network.Layer(weights: [[1], [2], [-3], [500]], biases: [0, 0, 0, 0], activation: .softmax)])
        for x: Float in [0, 1, -1, 10] {
            let a = network.feedForward([x])
            #expect(a.allSatisfy { $0.isFinite && $0 >= 0 })
            #expect(abs(a.reduce(0, +) - 1) < 1e-6)
        }
        let a = network.feedForward([0.001])
        // z = (0.001, 0.002, −0.003, 0.5): e^z / Σ e^z.
        let z: [Double] = [0.001, 0.002, -0.003, 0.5]
        let expected = z.map { Foundation.exp($0) / z.map(Foundation.exp).reduce(0, +) }
        for j in 0..<4 { #expect(abs(Double(a[j]) - expected[j]) < 1e-6) }
    }

    @Test func reluPassesPositivesAndZeroesNegatives() {
        let network = Network(layers: [Network.Layer(weights: [[1], [-1]], biases: [0.5, 0.5], activation: .relu)])
        #expect(network.feedForward([2]) == [2.5, 0])
        #expect(network.feedForward([-2]) == [0, 2.5])
    }

    @Test func crossEntropyCostIsTheFormula() {
        let sigmoid = Network(layers: [Network.Layer(weights: [[0]], biases: [0], activation: .sigmoid)])
        // a = 0.5 for target 1: −ln 0.5.
        #expect(abs(sigmoid.cost([1], target: [1], .crossEntropy) - 0.693_147_2) < 1e-6)
        let softmax = Network(layers: [Network.Layer(weights: [[0], [0]], biases: [0, 0], activation: .softmax)])
        #expect(abs(softmax.cost([1], target: [0, 1], .crossEntropy) - 0.693_147_2) < 1e-6)
    }

    @Test func momentumAndWeightDecayFollowTheirFormulas() {
        // Two steps on the same sample with μ = 0.5 and decay d = ηλ/n = 0.1, against the formulas applied to
        // the gradients backpropagation gives: V₁ = −d W₀ − η g(W₀), W₁ = W₀ + V₁; V₂ = μ V₁ − d W₁ − η g(W₁).
        var generator = SplitMix64(seed: 4)
        let w0 = Network(sizes: [3, 2, 2], generator: &generator)
        let sample: (input: [Float], target: [Float]) = ([1, 0.5, 0.25], [0, 1])
        let eta: Float = 0.5
        func gradientStep(_ network: Network) -> [[Float]] {  // −η g(W), per layer, Wᵀ layout
            let stepped = network.descended(on: [sample], learningRate: eta)
            return network.layers.indices.map { l in zip(stepped.layers[l].weights, network.layers[l].weights).map { $0 - $1 } }
        }
        let step = Workspace.Step(learningRate: eta, momentum: 0.5, l2: 0.2, trainingCount: 1)
        #expect(step.weightDecay == 0.1)
        let workspace = Workspace(w0, batchCapacity: 1)
        let inputs = SparseInputs(rows: [sample.input])
        func trainOnce() {
            workspace.setInput(inputs[0], sample: 0)
            _ = workspace.forward(sample: 0)
            sample.target.withUnsafeBufferPointer { workspace.backward(sample: 0, target: $0.baseAddress!, cost: .quadratic) }
            workspace.descend(sampleCount: 1, step: step)
        }
        trainOnce()
        let w1 = workspace.network
        let g0 = gradientStep(w0)
        var v1: [[Float]] = []
        for l in w0.layers.indices {
            v1.append(zip(w0.layers[l].weights, g0[l]).map { -0.1 * $0 + $1 })
            for (i, w) in w1.layers[l].weights.enumerated() { #expect(abs(w - (w0.layers[l].weights[i] + v1[l][i])) < 1e-6) }
        }
        trainOnce()
        let w2 = workspace.network
        let g1 = gradientStep(w1)
        for l in w0.layers.indices {
            for (i, w) in w2.layers[l].weights.enumerated() {
                let v2 = 0.5 * v1[l][i] - 0.1 * w1.layers[l].weights[i] + g1[l][i]
                #expect(abs(w - (w1.layers[l].weights[i] + v2)) < 1e-6)
            }
        }
    }

    @Test(arguments: [(Network.Initialization.scaled, 1.0), (.he, 2.0)])
    func scaledInitialWeightsHaveVarianceOverInputs(initialization: Network.Initialization, numerator: Double) {
        var generator = SplitMix64(seed: 2)
        let network = Network(sizes: [400, 200, 10], hidden: .relu, output: .softmax, initialization: initialization,
                              generator: &generator)
        let weights = network.layers[0].weights.map(Double.init)
        let variance = weights.reduce(0) { $0 + $1 * $1 } / Double(weights.count)
        // 80,000 draws: the variance is good to about 0.5%.
        #expect(abs(variance / (numerator / 400) - 1) < 0.03, "\(variance)")
        let biases = network.layers.flatMap(\.biases)
        if initialization == .he {
            #expect(biases.allSatisfy { $0 == 0 })
        } else {
            #expect(biases.contains { abs($0) > 1 })   // still N(0, 1)
        }
        #expect(network.layers.map(\.activation) == [.relu, .softmax])
    }

    @Test func sigmoidIsFiniteEverywhere() {
        var z = Chunk(repeating: 0)
        for (i, value) in [-1e30, -1000, -89, 0, 89, 1000, 1e30, Float.infinity].enumerated() { z[i] = value }
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
            let got = Double(sigmoid(Chunk(repeating: z))[0])
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
