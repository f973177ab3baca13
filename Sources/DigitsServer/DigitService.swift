import DigitsCore
import Foundation

/// What `digits serve` answers, without the HTTP around it: a reading of a picture, the model's record and its report
/// on the test set, each as a status and a JSON body.
public struct DigitService: Sendable {
    /// The models that read, one or a committee (their scores averaged), and their files' paths as the user named them.
    public let models: [TrainedModel]
    public let modelPaths: [String]
    /// The one model's network, or the committee of them all.
    private let classifier: any Classifier
    /// The model's answers on the test set, for the report view; nil without a test set.
    public let report: TestReport?
    /// The answers of `modelInfo` and `testReport`, which never change: encoded once.
    private let modelAnswer: Answer
    private let reportAnswer: Answer

    /// Larger pictures are refused from their PNG or JPEG header (413), before any pixel memory is allocated.
    public static let pixelLimit = 25_000_000

    /// A service for `model`, reporting on `test` when given one.
    public init(model: TrainedModel, modelPath: String, test: LabeledImages?) {
        self.init(models: [model], modelPaths: [modelPath], test: test)
    }

    /// A service for a committee of `models` (one is a committee of one), reporting on `test` when given one; the
    /// model view shows the first model's record and lists them all.
    public init(models: [TrainedModel], modelPaths: [String], test: LabeledImages?) {
        precondition(!models.isEmpty && models.count == modelPaths.count)
        self.models = models
        self.modelPaths = modelPaths
        let classifier: any Classifier = models.count == 1 ? models[0].network : Committee(models.map(\.network))
        self.classifier = classifier
        report = test.map { TestReport(network: classifier, test: $0) }
        var info = ModelInfo(path: modelPaths[0], model: models[0])
        if models.count > 1 {
            info.members = zip(modelPaths, models).map {
                .init(path: $0, architecture: $1.network.architecture, testAccuracy: $1.record.testAccuracy)
            }
        }
        modelAnswer = Self.json(200, info)
        reportAnswer = report.map { Self.json(200, $0) }
            ?? Self.error(404, "no test set was loaded: start digits serve with --data")
    }

    /// A JSON answer and its HTTP status.
    public struct Answer: Sendable {
        public let status: Int
        public let body: Data
    }

    /// The reading of a PNG or JPEG (told apart by content), read exactly as `digits predict` reads a file: the
    /// fields of `digits predict --json` (`number`, and `digits` with each one's `digit`, `scores` and `box`; `digit`
    /// and `scores` at the top when one digit was read), and each digit's `input28` (784 numbers, 0 = background …
    /// 255 = ink), at the top too for one digit.
    public func predict(picture: Data) -> Answer {
        let image: GrayImage
        switch PictureFile.decode(picture, pixelLimit: Self.pixelLimit, minimumSide: DigitPreparation.decodingSide) {
        case .success(let decoded): image = decoded
        case .failure(let problem):
            let message = PictureError(path: "request body", problem: problem).description
            if case .tooLarge = problem { return Self.error(413, message) }
            return Self.error(400, message)
        }
        do {
            return Self.json(200, Prediction(try NumberReading.read(image, score: classifier.scorer()), network: models[0].network))
        } catch {
            return Self.error(422, "\(error) (request body)")
        }
    }

    /// The model's layers, training settings, validation accuracy per epoch and test accuracy.
    public func modelInfo() -> Answer {
        modelAnswer
    }

    /// The confusion matrix on the test set and the misclassified test digits; 404 without a test set.
    public func testReport() -> Answer {
        reportAnswer
    }

    public static func error(_ status: Int, _ message: String) -> Answer {
        json(status, ["error": message])
    }

    static func json(_ status: Int, _ value: some Encodable) -> Answer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Strings, integers, arrays and finite floats always encode.
        return Answer(status: status, body: try! encoder.encode(value))
    }
}

struct Prediction: Encodable {
    struct Digit: Encodable {
        let digit: Int
        let scores: [Float]
        let box: [Int]
        let line: Int
        let sign: String?
        let input28: [Int]
        /// What each level of the (first) network made of it: feature maps, neurons, the output.
        let levels: [Pictures]
    }

    let number: String
    let digits: [Digit]
    let digit: Int?
    let scores: [Float]?
    let input28: [Int]?

    init(_ readings: [DigitReading], network: TrainedNetwork) {
        digits = readings.map { reading in
            let answer = DigitAnswer(reading)
            return Digit(digit: answer.digit, scores: answer.scores, box: answer.box, line: answer.line,
                         sign: answer.sign, input28: reading.prepared.pixels.map(Int.init), levels: network.levels(reading.prepared.networkInput))
        }
        number = NumberReading.text(of: readings)
        let one = digits.count == 1 ? digits[0] : nil
        (digit, scores, input28) = (one?.digit, one?.scores, one?.input28)
    }
}

struct ModelInfo: Encodable {
    struct Settings: Encodable {
        let hidden: String
        let output: String
        let cost: String
        let initialization: String
        let epochs: Int
        let batchSize: Int
        let learningRate: Float
        let momentum: Float
        let l2: Float
        let patience: Int?
        let halvings: Int?
        let seed: UInt64
        let starts: Int
        let shift: Float
        let rotation: Float
        let scale: Float
        let elasticAlpha: Float
        let elasticSigma: Float
    }

    let path: String
    /// Neurons per layer of a dense network; nil for one of other layer kinds.
    let layers: [Int]?
    /// The layers as `digits train --layers` takes them: `[784, 800, 10]` or `1x28x28-20C5-MP2-…-10N`.
    let architecture: String
    let parameters: Int
    /// What the first layer looks for: its kernels, or the weights into its first neurons as 28 × 28 pictures.
    let kernels: Pictures
    /// For a committee, every member; nil for one model.
    var members: [Member]?

    struct Member: Encodable {
        let path: String
        let architecture: String
        let testAccuracy: Double?
    }
    let settings: Settings
    let epochsRun: Int
    let bestEpoch: Int
    let trainingImages: Int
    let validationImages: Int
    /// Fractions, one per epoch run; empty without a validation set.
    let validationAccuracy: [Double]
    let learningRates: [Float]
    let testAccuracy: Double?
    let trainedAt: String

    init(path: String, model: TrainedModel) {
        let record = model.record
        let s = record.settings
        self.path = path
        layers = model.network.dense?.sizes
        architecture = model.network.architecture
        kernels = model.network.firstLayerPictures()
        parameters = model.network.parameterCount
        settings = Settings(
            hidden: s.hiddenActivation.name, output: s.outputActivation.name, cost: s.cost.name,
            initialization: s.initialization.name, epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate,
            momentum: s.momentum, l2: s.l2, patience: s.patience?.epochs, halvings: s.patience?.halvings, seed: s.seed,
            starts: s.starts, shift: s.augmentation.shift, rotation: s.augmentation.rotation, scale: s.augmentation.scale,
            elasticAlpha: s.augmentation.elasticAlpha, elasticSigma: s.augmentation.elasticSigma)
        epochsRun = record.epochsRun
        bestEpoch = record.bestEpoch
        trainingImages = record.trainingCount
        validationImages = record.validationCount
        validationAccuracy = record.validationCount == 0
            ? [] : record.validationHistory.map { Double($0) / Double(record.validationCount) }
        learningRates = record.learningRates
        testAccuracy = record.testAccuracy
        trainedAt = ISO8601DateFormatter().string(from: record.trainedAt)
    }
}

/// A network's answers on a test set: what the report view draws.
public struct TestReport: Encodable, Sendable {
    /// A test digit the network got wrong.
    public struct Miss: Encodable, Sendable {
        /// Its index in the test set.
        public let index: Int
        public let label: Int
        public let predicted: Int
        /// The best score's share of all ten (`confidence(_:)`).
        public let confidence: Float
        /// 784 bytes, row-major, base64: 0 = background, 255 = ink.
        public let pixels: String
    }

    public let accuracy: Double
    public let correct: Int
    public let total: Int
    /// Rows: true digit; columns: answer.
    public let confusion: [[Int]]
    /// The misclassified test digits, the surest mistakes first (`Mistake.all`, as `digits evaluate` lists them).
    public let misses: [Miss]
    /// How many test digits were misclassified in all.
    public let missCount: Int
    /// At each threshold, the answers at least that confident and how many of them are right (`ConfidenceTable`).
    public let byConfidence: [ConfidenceTable.Row]

    /// At most this many misses are listed.
    public static let missLimit = 120

    public init(network: some Classifier, test: LabeledImages) {
        let scores = network.scores(of: test)
        let answers = DigitsCore.answers(scores, classCount: network.outputCount)
        let evaluation = Evaluation(answers: answers, labels: test.labels, classCount: network.outputCount)
        byConfidence = ConfidenceTable(scores: scores, labels: test.labels, classCount: network.outputCount).rows
        let missed = Mistake.all(scores: scores, labels: test.labels, classCount: network.outputCount)
        accuracy = evaluation.accuracy
        correct = evaluation.correct
        total = evaluation.total
        confusion = evaluation.confusion
        misses = missed.prefix(Self.missLimit).map { mistake in
            Miss(index: mistake.index, label: mistake.label, predicted: mistake.answer, confidence: mistake.confidence,
                 pixels: Data(test.image(mistake.index)).base64EncodedString())
        }
        missCount = missed.count
    }
}
