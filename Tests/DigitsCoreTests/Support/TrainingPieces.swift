import Foundation
import Testing
@testable import DigitsCore

/// What every piece made for training (`NotDigits`, `DigitsInContext`) must be: prepared as MNIST's digits are,
/// with strong ink, in a 20-pixel box, centred by mass in the 28 × 28 field.
func expectPreparedAsMNIST(_ pieces: LabeledImages, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(pieces.rows == 28 && pieces.columns == 28, sourceLocation: sourceLocation)
    for i in 0..<pieces.count {
        let image = Array(pieces.image(i))
        #expect(image.max()! > 200, "piece \(i) has no strong ink", sourceLocation: sourceLocation)
        let rows = (0..<28).filter { r in (0..<28).contains { image[r * 28 + $0] > 0 } }
        let columns = (0..<28).filter { c in (0..<28).contains { image[$0 * 28 + c] > 0 } }
        #expect(max(rows.last! - rows.first!, columns.last! - columns.first!) + 1 <= 24, "piece \(i)",
                sourceLocation: sourceLocation)
        let mass = image.reduce(0) { $0 + Float($1) }
        let x = (0..<784).reduce(Float(0)) { $0 + Float(image[$1]) * (Float($1 % 28) + 0.5) } / mass
        let y = (0..<784).reduce(Float(0)) { $0 + Float(image[$1]) * (Float($1 / 28) + 0.5) } / mass
        #expect(abs(x - 14) < 2 && abs(y - 14) < 2, "piece \(i) centred at (\(x), \(y))", sourceLocation: sourceLocation)
    }
}

/// A small network that learns quickly from a few hundred pieces: [784, n, 10] ReLU under softmax, cross-entropy.
func smallSoftmaxSettings(hidden: Int, epochs: Int) -> TrainingSettings {
    var settings = TrainingSettings(sizes: [784, hidden, 10], epochs: epochs, batchSize: 10, learningRate: 0.1, seed: 1)
    settings.hiddenActivation = .relu
    settings.outputActivation = .softmax
    settings.cost = .crossEntropy
    settings.initialization = .he
    return settings
}

/// No piece is one of `digits` as it was: a piece is always cut, joined or both.
func expectNoneIsWhole(_ pieces: LabeledImages, of digits: LabeledImages, sourceLocation: SourceLocation = #_sourceLocation) {
    let whole = Set((0..<digits.count).map { Array(digits.image($0)) })
    for i in 0..<pieces.count {
        #expect(!whole.contains(Array(pieces.image(i))), "piece \(i)", sourceLocation: sourceLocation)
    }
}
