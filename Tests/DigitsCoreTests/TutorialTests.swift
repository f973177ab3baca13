import Foundation
import Testing
@testable import DigitsCore

// The beginner tutorials digits grew from, each worked example pinned as a test of the network core: numbers
// the tutorials print, exact to Float32 rounding (our vectorised sigmoid is within two units in the last place),
// and the training outcomes they describe.

/// |a − b| within `ulps` units in the last place of b.
private func close(_ a: Float, _ b: Float, ulps: Float = 2) -> Bool {
    abs(a - b) <= ulps * b.ulp
}

typealias Layer = Network.Layer

@Suite struct SimplestNetworkTutorial {
    // gokadin, "ai-simplest-network" (Go): one linear neuron without bias.
    let neuron = Network(layers: [Layer(weights: [[1.0, 1.0]], biases: nil, activation: .identity)])

    @Test func outputErrorAndTheFix() {
        #expect(close(neuron.feedForward([0.2, 0.4])[0], 0.6))
        // δ = 0.6 − 0.5 = 0.1 and E = ½δ² = 0.005.
        #expect(close(neuron.cost([0.2, 0.4], target: [0.5]), 0.005, ulps: 8))
        let lowered = Network(layers: [Layer(weights: [[0.5, 1.0]], biases: nil, activation: .identity)])
        #expect(lowered.feedForward([0.2, 0.4])[0] == 0.5)
    }

    @Test func learnsByFullBatchGradientDescent() {
        let data: [(input: [Float], target: [Float])] = [([1, 1], [0]), ([1, 0], [1])]
        var network = neuron
        func error() -> Float { data.map { network.cost($0.input, target: $0.target) }.reduce(0, +) / Float(data.count) }
        var steps = 0
        while error() >= 0.0001 && steps < 100_000 {
            network = network.descended(on: data, learningRate: 0.1)
            steps += 1
        }
        #expect(error() < 0.0001, "after \(steps) steps")
        #expect(abs(network.feedForward([1, 1])[0]) < 0.02)
        #expect(abs(network.feedForward([1, 0])[0] - 1) < 0.02)
    }
}

@Suite struct BackpropagationByHandTutorial {
    // gokadin, "ai-backpropagation": 2×2×1, identity input and output, sigmoid hidden layer, no biases,
    // every weight 0.5, input [1, 1], expected 0.5, η = 0.01.
    let hidden = Layer(weights: [[0.5, 0.5], [0.5, 0.5]], biases: nil, activation: .sigmoid)
    let output = Layer(weights: [[0.5, 0.5]], biases: nil, activation: .identity)

    @Test func forwardPass() {
        let a1 = Network(layers: [hidden]).feedForward([1, 1])
        let sigmoidOfOne = Float(1 / (1 + exp(-1.0)))  // 0.7310586
        #expect(close(a1[0], sigmoidOfOne) && close(a1[1], sigmoidOfOne))
        #expect(close(Network(layers: [hidden, output]).feedForward([1, 1])[0], sigmoidOfOne, ulps: 4))
    }

    @Test func oneBackwardPassLowersTheError() {
        let network = Network(layers: [hidden, output])
        let sample: (input: [Float], target: [Float]) = ([1, 1], [0.5])
        let before = network.cost(sample.input, target: sample.target)
        let after = network.descended(on: [sample], learningRate: 0.01).cost(sample.input, target: sample.target)
        #expect(after < before, "error \(before) → \(after)")
        // The output weights move by −η δ a₁ with δ = a₂ − y: each by −0.01 × 0.2310586 × 0.7310586.
        let stepped = network.descended(on: [sample], learningRate: 0.01)
        #expect(close(stepped.layers[1].weights[0], 0.5 - 0.01 * (2 * 0.7310586 * 0.5 - 0.5) * 0.7310586, ulps: 4))
    }

    static let xor: [(input: [Float], target: [Float])] = [([0, 0], [0]), ([0, 1], [1]), ([1, 0], [1]), ([1, 1], [0])]

    static func trainedOnXOR(hiddenActivation: Network.Activation, seed: UInt64) -> Network {
        var generator = SplitMix64(seed: seed)
        let draw = Network(sizes: [2, 2, 1], generator: &generator)
        var network = Network(layers: [
            Layer(inputCount: 2, outputCount: 2, rowMajorWeights: draw.layers[0].rowMajorWeights,
                  biases: draw.layers[0].biases, activation: hiddenActivation),
            Layer(inputCount: 2, outputCount: 1, rowMajorWeights: draw.layers[1].rowMajorWeights,
                  biases: draw.layers[1].biases, activation: .sigmoid),
        ])
        for _ in 0..<5_000 { network = network.descended(on: xor, learningRate: 2) }
        return network
    }

    @Test func theSameShapeWithBiasesLearnsXOR() {
        let network = Self.trainedOnXOR(hiddenActivation: .sigmoid, seed: 1)
        for sample in Self.xor {
            #expect(abs(network.feedForward(sample.input)[0] - sample.target[0]) < 0.1, "\(sample.input)")
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func withoutTheSigmoidItCannot(seed: UInt64) {
        // A linear hidden layer makes the whole network one logistic unit: XOR is not linearly separable.
        let network = Self.trainedOnXOR(hiddenActivation: .identity, seed: seed)
        let right = Self.xor.count { ($0.target[0] == 1) == (network.feedForward($0.input)[0] > 0.5) }
        #expect(right < 4)
    }
}

@Suite struct SpreadsheetTwoLayerTutorial {
    // The Excel blog post: 2-2-1, identity activations, no biases, input [1, 1], target 4, constant η.
    func trained(from first: Float, _ second: Float) -> Network {
        var network = Network(layers: [
            Layer(weights: [[first, first], [first, first]], biases: nil, activation: .identity),
            Layer(weights: [[second, second]], biases: nil, activation: .identity),
        ])
        for _ in 0..<2_000 { network = network.descended(on: [([1, 1], [4])], learningRate: 0.01) }
        return network
    }

    @Test func repeatedUpdatesDriveTheOutputToFour() {
        #expect(abs(trained(from: 0.5, 0.5).feedForward([1, 1])[0] - 4) < 1e-3)
        #expect(abs(trained(from: 0.5, 0.25).feedForward([1, 1])[0] - 4) < 1e-3)
    }

    @Test func whereTheWeightsEndDependsOnTheStart() {
        // With each layer's weights equal, output = 4 · w₁ · w₂: every point of w₁ · w₂ = 1 is a solution. The
        // all-ones one is a fixed point, but a start elsewhere ends elsewhere on the curve, since w₁ moves by
        // η δ w₂ and w₂ by η δ 2w₁.
        let ones = trained(from: 1, 1)
        #expect(ones.layers.allSatisfy { $0.weights.allSatisfy { $0 == 1 } })
        var ends: [Float] = []
        for (first, second) in [(Float(0.5), Float(0.5)), (0.5, 0.25)] {
            let network = trained(from: first, second)
            let (w1, w2) = (network.layers[0].weights[0], network.layers[1].weights[0])
            #expect(abs(w1 * w2 - 1) < 1e-3 && abs(w1 - 1) > 0.05, "w₁ = \(w1), w₂ = \(w2)")
            ends.append(w1)
        }
        #expect(abs(ends[0] - ends[1]) > 0.01)
    }
}

@Suite struct VictorZhouTutorial {
    // Victor Zhou, "Machine Learning for Beginners: An Introduction to Neural Networks" (Python, numpy).
    @Test func aNeuron() {
        let neuron = Network(layers: [Layer(weights: [[0, 1]], biases: [4], activation: .sigmoid)])
        #expect(close(neuron.feedForward([2, 3])[0], Float(0.9990889488055994)))
    }

    @Test func aNetworkOfThem() {
        let hidden = Layer(weights: [[0, 1], [0, 1]], biases: [0, 0], activation: .sigmoid)
        let output = Layer(weights: [[0, 1]], biases: [0], activation: .sigmoid)
        let h = Network(layers: [hidden]).feedForward([2, 3])
        #expect(abs(h[0] - 0.9526) < 0.00005 && abs(h[1] - 0.9526) < 0.00005)
        #expect(close(Network(layers: [hidden, output]).feedForward([2, 3])[0], Float(0.7216325609518421)))
    }

    @Test func meanSquaredError() {
        #expect(Cost.meanSquaredError([0, 0, 0, 0], [1, 0, 0, 1]) == 0.5)
    }

    @Test func learnsGenderFromWeightAndHeight() {
        // Weight (lb − 135) and height (in − 66) → 1 for female; per-sample SGD, 1,000 epochs, η = 0.1 on the
        // MSE, which is 0.2 on our ½(a − y)² (see `Cost.meanSquaredError`).
        let people: [(input: [Float], target: [Float])] = [
            ([-2, -1], [1]),  // Alice
            ([25, 6], [0]),   // Bob
            ([17, 4], [0]),   // Charlie
            ([-15, -6], [1]), // Diana
        ]
        var generator = SplitMix64(seed: 1)
        var network = Network(sizes: [2, 2, 1], generator: &generator)
        let before = people.map { network.cost($0.input, target: $0.target) }.reduce(0, +)
        for _ in 0..<1_000 {
            for person in people { network = network.descended(on: [person], learningRate: 0.2) }
        }
        #expect(people.map { network.cost($0.input, target: $0.target) }.reduce(0, +) < before / 10)
        #expect(network.feedForward([-7, -3])[0] > 0.5)  // Emily
        #expect(network.feedForward([20, 2])[0] < 0.5)   // Frank
    }
}

@Suite struct JamesLoyTutorial {
    // James Loy, "How to build your own Neural Network from scratch in Python": 3 inputs, 4 sigmoid hidden
    // units, a sigmoid output, no biases, sum-of-squares loss, 1,500 full-batch steps of −∇ΣSSE. Our step is
    // (η/m) Σ ∇½(a − y)², so his step is ours with η = 2m = 8.
    static let data: [(input: [Float], target: [Float])] = [
        ([0, 0, 1], [0]), ([0, 1, 1], [1]), ([1, 0, 1], [1]), ([1, 1, 1], [0]),
    ]

    @Test func predictionsConvergeAndTheLossFallsEveryStep() {
        var generator = SplitMix64(seed: 1)
        let draw = Network(sizes: [3, 4, 1], generator: &generator)
        var network = Network(layers: draw.layers.map {
            Layer(inputCount: $0.inputCount, outputCount: $0.outputCount, rowMajorWeights: $0.rowMajorWeights,
                  biases: nil, activation: .sigmoid)
        })
        func loss() -> Float { Self.data.map { 2 * network.cost($0.input, target: $0.target) }.reduce(0, +) }
        var previous = loss()
        var rises = 0
        for _ in 0..<1_500 {
            network = network.descended(on: Self.data, learningRate: 8)
            let current = loss()
            if current > previous { rises += 1 }
            previous = current
        }
        #expect(rises == 0)
        for sample in Self.data {
            #expect(abs(network.feedForward(sample.input)[0] - sample.target[0]) < 0.1, "\(sample.input)")
        }
    }
}
