import Foundation
import Testing
@testable import DigitsCore

/// The trainer on networks of layer kinds: a small convolutional network learns MNIST's digits, reproducibly.
@Suite struct StackTrainingTests {
    static let training = Result { try MNIST.load(.training, from: mnistFolder).subset(0..<3_000) }

    static func settings(epochs: Int, seed: UInt64) -> TrainingSettings {
        var settings = TrainingSettings(sizes: [784, 10], epochs: epochs, batchSize: 10, learningRate: 0.05, seed: seed)
        settings.hiddenActivation = .relu
        settings.outputActivation = .softmax
        settings.cost = .crossEntropy
        settings.initialization = .he
        return settings
    }

    @Test func aSmallConvolutionalNetworkLearnsDigits() throws {
        let (training, validation) = try Self.training.get().holdingOutLast(1_000)
        let architecture = try Architecture("1x28x28-4C5-MP4-10N")
        let outcome = try Trainer(settings: Self.settings(epochs: 2, seed: 1))
            .train(architecture, on: training, validation: validation)
        let stack = try #require(outcome.network)
        #expect(outcome.history.count == 2)
        let best = try #require(outcome.history.max { $0.validationCorrect < $1.validationCorrect })
        #expect(stack.correctCount(on: validation) == best.validationCorrect)
        // 2,000 images twice with seed 1: 864 of the 1,000 held out (random guessing: 100); the floor leaves room
        // for machines that round differently.
        #expect(best.validationCorrect > 830, "\(best.validationCorrect) of 1,000")
    }

    @Test func aBatchNormalizedNetworkLearnsAndKeepsItsTrainingDigitsStatistics() throws {
        let (training, validation) = try Self.training.get().holdingOutLast(1_000)
        let architecture = try Architecture("1x28x28-4C5-MP4-BN-16N-BN-10N")
        let outcome = try Trainer(settings: Self.settings(epochs: 2, seed: 1))
            .train(architecture, on: training, validation: validation)
        let stack = try #require(outcome.network)
        let best = try #require(outcome.history.max { $0.validationCorrect < $1.validationCorrect })
        // The network kept is the one validated: read with the population's statistics of the training digits,
        // which measuring again does not change.
        #expect(stack.correctCount(on: validation) == best.validationCorrect)
        #expect(stack.calibrated(on: SparseInputs(training)) == stack)
        let means = stack.parameters[stack.offsets[2] + 8..<stack.offsets[2] + 12]
        #expect(means.allSatisfy { $0 > 0 }, "ReLU outputs pooled have positive means, not \(Array(means))")
        #expect(best.validationCorrect > 830, "\(best.validationCorrect) of 1,000")
    }

    @Test func sameSeedSameStackWithDropoutNormalisationMomentumAndDecay() throws {
        let data = try Self.training.get().subset(0..<300)
        let architecture = try Architecture("1x28x28-3C5-BN-MP4-D0.5-16N-D0.2-10N")
        var settings = Self.settings(epochs: 1, seed: 4)
        settings.batchSize = 7
        settings.momentum = 0.9
        settings.l2 = 1
        let first = try #require(try Trainer(settings: settings).train(architecture, on: data, validation: nil).network)
        let second = try #require(try Trainer(settings: settings).train(architecture, on: data, validation: nil).network)
        #expect(first.parameters == second.parameters)
        settings.seed = 5
        let other = try #require(try Trainer(settings: settings).train(architecture, on: data, validation: nil).network)
        #expect(other.parameters != first.parameters)
    }
}
