import DigitsCore
import Foundation

/// What `digits serve` answers, without the HTTP around it: a reading of a picture, the model's record and its report
/// on the test set, each as a status and a JSON body.
public struct DigitService: Sendable {
    public let model: TrainedModel
    /// The model file's path, as the user named it.
    public let modelPath: String
    /// The model's answers on the test set, for the report view; nil without a test set.
    public let report: TestReport?
    /// The answers of `modelInfo` and `testReport`, which never change: encoded once.
    private let modelAnswer: Answer
    private let reportAnswer: Answer

    /// Larger pictures are refused from their PNG or JPEG header (413), before any pixel memory is allocated.
    public static let pixelLimit = 25_000_000

    /// A service for `model`, reporting on `test` when given one.
    public init(model: TrainedModel, modelPath: String, test: LabeledImages?) {
        self.model = model
        self.modelPath = modelPath
        report = test.map { TestReport(network: model.network, test: $0) }
        modelAnswer = Self.json(200, ModelInfo(path: modelPath, model: model))
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
            return Self.json(200, Prediction(try NumberReading.read(image, score: model.network.feedForward)))
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
        let input28: [Int]
    }

    let number: String
    let digits: [Digit]
    let digit: Int?
    let scores: [Float]?
    let input28: [Int]?

    init(_ readings: [DigitReading]) {
        digits = readings.map { reading in
            let answer = DigitAnswer(reading)
            return Digit(digit: answer.digit, scores: answer.scores, box: answer.box,
                         input28: reading.prepared.pixels.map(Int.init))
        }
        number = digits.map { String($0.digit) }.joined()
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
    let layers: [Int]
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
        layers = model.network.sizes
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
        /// 784 bytes, row-major, base64: 0 = background, 255 = ink.
        public let pixels: String
    }

    public let accuracy: Double
    public let correct: Int
    public let total: Int
    /// Rows: true digit; columns: answer.
    public let confusion: [[Int]]
    /// The first misclassified test digits, in test-set order.
    public let misses: [Miss]
    /// How many test digits were misclassified in all.
    public let missCount: Int

    /// At most this many misses are listed.
    public static let missLimit = 120

    public init(network: Network, test: LabeledImages) {
        let answers = network.classify(test)
        let evaluation = Evaluation(answers: answers, labels: test.labels, classCount: network.outputCount)
        let missed = answers.indices.filter { answers[$0] != Int(test.labels[$0]) }
        accuracy = evaluation.accuracy
        correct = evaluation.correct
        total = evaluation.total
        confusion = evaluation.confusion
        misses = missed.prefix(Self.missLimit).map { i in
            Miss(index: i, label: Int(test.labels[i]), predicted: answers[i], pixels: Data(test.image(i)).base64EncodedString())
        }
        missCount = missed.count
    }
}
