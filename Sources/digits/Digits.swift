import ArgumentParser

@main
struct Digits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits",
        abstract: "Learns to read handwritten digits: Nielsen's neural network, trained on MNIST.",
        discussion: """
            `digits predict FILE.png` reads a digit with the shipped model (\(shippedModel)); `digits evaluate` \
            measures it. `digits train` trains Nielsen's network in a second or two and saves models/digits.model; \
            `digits train --preset best` trains the shipped model's recipe; `digits serve` opens a page to draw on. \
            Every command takes --help.
            """,
        subcommands: [Train.self, Evaluate.self, Predict.self, Serve.self]
    )
}

/// The model that ships with digits, trained by `digits train --preset best`: what predict and evaluate use unless
/// told otherwise. `digits train` saves elsewhere by default, so a quick run never replaces it.
let shippedModel = "models/best.model"
