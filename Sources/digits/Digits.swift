import ArgumentParser

@main
struct Digits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits",
        abstract: "Learns to read handwritten digits: Nielsen's neural network, trained on MNIST.",
        discussion: """
            Start with `digits train` (a second or two), then `digits evaluate` and `digits predict FILE.png`. \
            Every command takes --help.
            """,
        subcommands: [Train.self, Evaluate.self, Predict.self]
    )
}
