import Foundation
import Testing
@testable import DigitsCore

/// Digits cut from touching and overlapping pairs, made from real MNIST digits through the reader's own preparation.
@Suite struct DigitsInContextTests {
    static let digits = Result { try MNIST.load(.training, from: mnistFolder).subset(0..<1_000) }

    @Test func piecesAreLabelledAsDigitsAndDrawnByTheSeed() throws {
        let digits = try Self.digits.get()
        let pieces = DigitsInContext.pieces(from: digits, count: 200, seed: 7)
        #expect(pieces.count == 200 && Set(pieces.labels) == Set(0...9))
        let again = DigitsInContext.pieces(from: digits, count: 200, seed: 7)
        #expect(again.pixels == pieces.pixels && again.labels == pieces.labels)
        #expect(DigitsInContext.pieces(from: digits, count: 200, seed: 8).pixels != pieces.pixels)
        expectPreparedAsMNIST(pieces)
    }

    @Test func theyAreNeitherLoneDigitsNorPiecesThatAreNotDigits() throws {
        // Each is a digit of the set with a little of its neighbour: never the digit as it was, never two.
        let digits = try Self.digits.get()
        let pieces = DigitsInContext.pieces(from: digits, count: 100, seed: 1)
        expectNoneIsWhole(pieces, of: digits)
        #expect(!pieces.labels.contains(NotDigits.label))
    }

    @Test func eachIsLabelledAsTheDigitItKeeps() throws {
        // A network that learns from these pieces alone reads lone digits it has not seen, and pieces cut from
        // pairs of other digits: their labels are the digits the pieces keep, not their neighbours' (which would
        // leave it near chance, 10%).
        let all = try MNIST.load(.training, from: mnistFolder)
        let pieces = DigitsInContext.pieces(from: all.subset(0..<1_000), count: 1_000, seed: 3)
        let settings = smallSoftmaxSettings(hidden: 30, epochs: 10)
        let network = try #require(try Trainer(settings: settings).train(on: pieces, validation: nil).network)
        let lone = all.subset(1_000..<2_000)
        let unseen = DigitsInContext.pieces(from: lone, count: 500, seed: 99)
        #expect(network.correctCount(on: lone) >= 800, "\(network.correctCount(on: lone)) of 1,000 lone digits")
        #expect(network.correctCount(on: unseen) >= 400, "\(network.correctCount(on: unseen)) of 500 pieces")
    }

    @Test func trainingAddsThemMadeFromTheDigitsWithASeedOfTheirOwn() throws {
        // As if they were part of the training set: made from the digits (not from pieces that are not digits),
        // after those, with a seed that leaves every other draw of the run as it was.
        let digits = try Self.digits.get().subset(0..<200)
        var settings = TrainingSettings(sizes: [784, 10], epochs: 2, batchSize: 10, learningRate: 0.1, seed: 4)
        (settings.notDigits, settings.digitsInContext) = (30, 50)
        let trained = try Trainer(settings: settings).train(on: digits, validation: nil).network
        (settings.notDigits, settings.digitsInContext) = (0, 0)
        let set = digits.appending(NotDigits.pieces(from: digits, count: 30, seed: ~4))
            .appending(DigitsInContext.pieces(from: digits, count: 50, seed: ~4 ^ 0x9E37_79B9_7F4A_7C15))
        let same = try Trainer(settings: settings).train(on: set, validation: nil).network
        #expect(trained != nil && trained == same)
    }
}
