import Foundation
import VaktFFI

/// What a scanned QR code holds (never a key or credential).
public enum QrContent: Equatable, Hashable, Sendable {
    /// One account (`otpauth://`).
    case account(UriDetails)
    /// One code of a Google Authenticator export (`otpauth-migration://`): its
    /// 0-based index and the export's size and id, the usable accounts, and the
    /// entries that cannot be used (by name).
    case migration(batchIndex: Int, batchSize: Int, batchId: Int32, accounts: [UriDetails], unusable: [UnusableExportEntry])
    /// A privacyIDEA push token to enrol: pass the code to `VaktPush.enrol(scanned:)`.
    case pushEnrolment(PushEnrolmentDetails)

    init(_ c: ScannedContent) {
        switch c {
        case let .account(details):
            self = .account(details)
        case let .migration(batch, accounts, unusable):
            self = .migration(
                batchIndex: Int(batch.index), batchSize: Int(batch.size), batchId: batch.id,
                accounts: accounts, unusable: unusable
            )
        case let .pushEnrolment(details):
            self = .pushEnrolment(details)
        }
    }
}

/// One account of a scanned code, and whether it was added.
public struct ScannedAccount: Equatable, Hashable, Sendable {
    public let issuer: String
    public let accountName: String
    /// The new account's id; if `isDuplicate`, the id of the account that already has this key.
    public let id: UInt64
    /// The vault already held this account (same codes, same names): nothing was added.
    public let isDuplicate: Bool
    /// Added, but it gives the same codes as this account, which has other names (show both).
    public let likeId: UInt64?

    init(_ a: ScannedAccountAdded) {
        issuer = a.issuer
        accountName = a.accountName
        switch a.outcome {
        case let .added(id):
            self.id = id
            isDuplicate = false
            likeId = nil
        case let .addedLike(id, like):
            self.id = id
            isDuplicate = false
            likeId = like
        case let .duplicate(existingId):
            id = existingId
            isDuplicate = true
            likeId = nil
        }
    }
}

/// One QR code read by `QrScanner`. Its key (or push enrolment credential)
/// stays in Rust: show `content()`, then pass it to `VaktSession.add(scanned:)`.
public final class ScannedQr: @unchecked Sendable, CustomStringConvertible {
    let code: ScannedCode

    init(_ code: ScannedCode) {
        self.code = code
    }

    /// What the code holds. Throws `.notAnAuthenticatorQr` (only its scheme is
    /// named) or `.invalidUri` (naming the field at fault).
    public func content() throws -> QrContent {
        try ffi { QrContent(try code.content()) }
    }

    public var description: String { "ScannedQr" }
}

/// A QR code as its modules, for the app to draw: `side` × `side` bytes in
/// `luma`, 0 dark and 255 light, quiet zone included. Draw it scaled without
/// smoothing so it stays crisp (on Apple platforms `cgImage(scale:)`, then
/// `.interpolation(.none)` / `magnificationFilter = .nearest`). **It carries
/// keys**: show it, do not store or share it.
public typealias QrImage = VaktFFI.QrImage

/// Reading QR codes: still images (a screenshot, a picked photo: decoded by the
/// platform, see `scanImage(data:)` and `scanImage(_:)` for a `CGImage` in
/// Images.swift, or `scanImage(luma:…)`) and live camera frames
/// (`scanFrame(_:)` for a `CVPixelBuffer`, or the luma plane's bytes). Rust
/// receives luma. Decoding is CPU work: call it off the main thread (an
/// `AVCaptureVideoDataOutput` delegate queue already is).
public enum QrScanner {
    /// The most pixels Vakt decodes in one image (the Rust core's limit): 40 megapixels.
    public static let maxImagePixels = 40_000_000

    /// Every QR code in a camera frame's luma (Y) plane, `bytesPerRow` bytes per
    /// row, within the live-camera time budget. Empty when this frame has none:
    /// try the next one. Throws `.invalidInput` for a geometry that does not
    /// fit the buffer.
    public static func scanFrame(luma: Data, width: Int, height: Int, bytesPerRow: Int) throws -> [ScannedQr] {
        let (w, h, stride) = try geometry(width, height, bytesPerRow)
        return try ffi {
            try scanCameraFrame(luma: luma, width: w, height: h, rowStride: stride).map(ScannedQr.init)
        }
    }

    /// The same for a luma plane read in place (e.g. `CVPixelBufferGetBaseAddressOfPlane`
    /// while the buffer is locked): `luma` holds at least
    /// `bytesPerRow × (height − 1) + width` bytes.
    public static func scanFrame(luma: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerRow: Int) throws -> [ScannedQr] {
        let (w, h, stride) = try geometry(width, height, bytesPerRow)
        guard let base = luma.baseAddress, !luma.isEmpty else {
            throw VaktError.invalidInput(message: "the camera frame is empty")
        }
        // No copy here: Rust copies the bytes during the call, while the caller keeps them alive.
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: luma.count, deallocator: .none)
        return try ffi {
            try scanCameraFrame(luma: data, width: w, height: h, rowStride: stride).map(ScannedQr.init)
        }
    }

    /// Every QR code in a decoded still image's 8-bit luma, `bytesPerRow`
    /// bytes per row, looking thoroughly (unlike `scanFrame`). Throws
    /// `.noQrCode` when there is none, `.invalidInput` for a geometry that
    /// does not fit the buffer.
    public static func scanImage(luma: Data, width: Int, height: Int, bytesPerRow: Int) throws -> [ScannedQr] {
        let (w, h, stride) = try geometry(width, height, bytesPerRow)
        return try ffi {
            try scanStillImage(luma: luma, width: w, height: h, rowStride: stride).map(ScannedQr.init)
        }
    }

    /// Classifies the text of a code read by another scanner
    /// (`AVMetadataMachineReadableCodeObject.stringValue`).
    public static func fromText(_ text: String) -> ScannedQr {
        ScannedQr(ScannedCode.fromText(text: text))
    }

    /// Sizes as the FFI takes them; negative or too large ones are refused here.
    private static func geometry(_ width: Int, _ height: Int, _ bytesPerRow: Int) throws -> (UInt32, UInt32, UInt32) {
        guard let w = UInt32(exactly: width), let h = UInt32(exactly: height), let stride = UInt32(exactly: bytesPerRow) else {
            throw VaktError.invalidInput(message: "the image size is out of range (\(width) × \(height), \(bytesPerRow) bytes per row)")
        }
        return (w, h, stride)
    }
}

/// Which codes of a multi-code Google Authenticator export have been scanned:
/// `feed` each export code, then show `missing()` ("code 2 of 3 still to scan").
public final class MigrationScanProgress: @unchecked Sendable {
    private let progress = MigrationProgress.empty()

    public init() {}

    /// Records an export code: `true` if new, `false` if scanned before. Throws
    /// `.invalidUri` for a code that contradicts its export, `.invalidInput`
    /// for a code that is not an export code.
    @discardableResult
    public func feed(_ qr: ScannedQr) throws -> Bool {
        try ffi { try progress.feed(code: qr.code) }
    }

    /// Every export with codes still missing (0-based indices).
    public func missing() throws -> [MissingExportCodes] {
        try ffi { try progress.missing() }
    }

    /// Whether every code of every export fed so far has been scanned.
    public func isComplete() throws -> Bool {
        try ffi { try progress.isComplete() }
    }
}
