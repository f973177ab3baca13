import DigitsCore
import Foundation

/// The models that `--model` names, read and checked: one, or several that read as a committee (their scores
/// averaged); without the flag, the shipped committee.
struct Models {
    let paths: [String]
    let models: [TrainedModel]

    init(_ flags: [String]) throws {
        paths = try Home.models(flags)
        models = try paths.map {
            try ModelFile.read(from: $0, inputs: DigitPreparation.side * DigitPreparation.side, outputs: MNIST.classCount)
        }
    }

    var isCommittee: Bool { models.count > 1 }

    /// The one model's network, or the committee of them all.
    var classifier: any Classifier {
        isCommittee ? Committee(models.map(\.network)) : models[0].network
    }

    /// The paths as one name: `models/best.model`, or `a.model + b.model` for a committee.
    var name: String { paths.joined(separator: " + ") }
}
