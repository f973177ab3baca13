/// How a stored picture is to be turned for display: the EXIF/TIFF Orientation tag (0x0112), values 1–8.
///
/// Cameras store the sensor's rows as they come and record how the phone was held; every photo viewer turns
/// the picture upright by this tag before showing it, so digits does too. Each case is named by where the
/// stored picture's first row and first column end up on the display (TIFF 6.0, p. 37).
public enum Orientation: Int, Sendable, CaseIterable {
    /// 1: row 0 at the top, column 0 at the left: as stored.
    case up = 1
    /// 2: row 0 at the top, column 0 at the right: mirrored left to right.
    case upMirrored
    /// 3: row 0 at the bottom, column 0 at the right: turned half a circle.
    case down
    /// 4: row 0 at the bottom, column 0 at the left: mirrored top to bottom.
    case downMirrored
    /// 5: row 0 on the left, column 0 at the top: transposed.
    case leftMirrored
    /// 6: row 0 on the right, column 0 at the top: turned a quarter clockwise (a phone held upright).
    case right
    /// 7: row 0 on the right, column 0 at the bottom: transposed across the other diagonal.
    case rightMirrored
    /// 8: row 0 on the left, column 0 at the bottom: turned a quarter anticlockwise.
    case left

    /// Whether the displayed picture's width is the stored height.
    var swapsSides: Bool { rawValue >= 5 }

    /// The picture as a viewer shows it.
    public func displayed(_ image: GrayImage) -> GrayImage {
        guard self != .up else { return image }
        let (w, h) = (image.width, image.height)
        let (outWidth, outHeight) = swapsSides ? (h, w) : (w, h)
        var gray = [UInt8](repeating: 0, count: w * h)
        var alpha = gray
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                // The stored pixel (sx, sy) shown at (x, y).
                let (sx, sy) = switch self {
                case .up: (x, y)
                case .upMirrored: (w - 1 - x, y)
                case .down: (w - 1 - x, h - 1 - y)
                case .downMirrored: (x, h - 1 - y)
                case .leftMirrored: (y, x)
                case .right: (y, h - 1 - x)
                case .rightMirrored: (w - 1 - y, h - 1 - x)
                case .left: (w - 1 - y, x)
                }
                gray[y * outWidth + x] = image.gray[sy * w + sx]
                alpha[y * outWidth + x] = image.alpha[sy * w + sx]
            }
        }
        var turned = GrayImage(width: outWidth, height: outHeight, gray: gray, alpha: alpha)
        turned.reduction = image.reduction
        return turned
    }
}
