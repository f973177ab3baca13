import Foundation
import Testing
@testable import DigitsCore

@Suite struct TrainerTests {
    static let training = Result { try MNIST.load(.training, from: mnistFolder).subset(0..<11_000) }
    static let test = Result { try MNIST.load(.test, from: mnistFolder) }

    @Test func shortSeededRunLearnsDigits() throws {
        let (training, validation) = try Self.training.get().holdingOutLast(1_000)
        #expect(training.count == 10_000)
        let settings = TrainingSettings(sizes: [784, 30, 10], epochs: 3, batchSize: 10, learningRate: 3, seed: 1)
        var events: [TrainingEvent] = []
        let outcome = try Trainer(settings: settings).train(on: training, validation: validation, report: { events.append($0) })
        let network = try #require(outcome.network)
        let test = try Self.test.get()
        let accuracy = Double(network.correctCount(on: test)) / Double(test.count)
        // The first 10,000 images for 3 epochs with seed 1 reach 88.37% on the test set (random guessing: 10%);
        // the floor leaves room for kernels that round differently.
        #expect(accuracy > 0.87, "test accuracy \(accuracy)")
        #expect(outcome.history.count == 3 && !outcome.interrupted)
        let best = try #require(outcome.history.max { $0.validationCorrect < $1.validationCorrect })
        #expect(outcome.bestEpoch == best.epoch)
        #expect(network.correctCount(on: validation) == best.validationCorrect)
        #expect(events.contains { if case .progress(1, _, 10_000) = $0 { true } else { false } })
    }

    @Test func sameSeedSameNetwork() throws {
        let data = try Self.training.get().subset(0..<500)
        let settings = TrainingSettings(sizes: [784, 8, 10], epochs: 2, batchSize: 7, learningRate: 3, seed: 11)
        let first = try Trainer(settings: settings).train(on: data, validation: nil)
        let second = try Trainer(settings: settings).train(on: data, validation: nil)
        #expect(first.network == second.network)
        var other = settings
        other.seed = 12
        #expect(try Trainer(settings: other).train(on: data, validation: nil).network != first.network)
    }

    @Test func withoutValidationKeepsTheLastEpoch() throws {
        let data = try Self.training.get().subset(0..<300)
        let settings = TrainingSettings(sizes: [784, 5, 10], epochs: 3, batchSize: 10, learningRate: 3, seed: 2)
        let outcome = try Trainer(settings: settings).train(on: data, validation: nil)
        #expect(outcome.bestEpoch == 3)
        #expect(outcome.history.map(\.validationTotal) == [0, 0, 0])
    }

    @Test func stopsAfterTheCurrentMiniBatchAndKeepsTheBestEpoch() throws {
        let (training, validation) = try Self.training.get().subset(0..<1_100).holdingOutLast(100)
        let settings = TrainingSettings(sizes: [784, 10, 10], epochs: 5, batchSize: 10, learningRate: 3, seed: 3)
        var batches = 0
        // 100 mini-batches per epoch: stop in the middle of the third epoch.
        let outcome = try Trainer(settings: settings).train(on: training, validation: validation, shouldStop: {
            batches += 1
            return batches == 250
        })
        #expect(outcome.interrupted)
        #expect(batches == 250)
        #expect(outcome.history.count == 2)
        #expect((1...2).contains(outcome.bestEpoch))
        #expect(outcome.network?.correctCount(on: validation) == outcome.history[outcome.bestEpoch - 1].validationCorrect)
    }

    @Test func stopBeforeTheFirstEpochEndsKeepsNothing() throws {
        let data = try Self.training.get().subset(0..<100)
        let settings = TrainingSettings(sizes: [784, 4, 10], epochs: 2, batchSize: 10, learningRate: 3, seed: 3)
        let outcome = try Trainer(settings: settings).train(on: data, validation: nil, shouldStop: { true })
        #expect(outcome.interrupted && outcome.network == nil && outcome.bestEpoch == 0)
    }

    @Test func nonFiniteWeightsStopTrainingWithAnErrorNamingTheLearningRate() throws {
        let data = try Self.training.get().subset(0..<200)
        var generator = SplitMix64(seed: 1)
        let healthy = Network(sizes: [784, 5, 10], generator: &generator)
        var first = healthy.layers[0].rowMajorWeights
        first[0] = .nan
        let broken = Network(layers: [
            Network.Layer(inputCount: 784, outputCount: 5, rowMajorWeights: first, biases: healthy.layers[0].biases),
            healthy.layers[1],
        ])
        let settings = TrainingSettings(sizes: [784, 5, 10], epochs: 2, batchSize: 10, learningRate: 0.5, seed: 1)
        #expect(throws: TrainingError.diverged(epoch: 1, learningRate: 0.5)) {
            _ = try Trainer(settings: settings).train(from: broken, on: data, validation: nil).history
        }
        #expect(TrainingError.diverged(epoch: 3, learningRate: 0.5).description.contains("learning rate 0.5"))
    }
}
