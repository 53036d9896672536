import { ErrorCode, KafkaError } from '../../util/errors.js';

/** A frame larger than socket.request.max.bytes (or with a negative size): closes its connection. */
export class FrameTooLargeError extends KafkaError {
  override readonly name = 'FrameTooLargeError';

  constructor(message: string) {
    super(ErrorCode.INVALID_REQUEST, message);
  }
}

/** A request we will not serve (unknown API key, version outside the registered range). */
export class UnsupportedRequestError extends KafkaError {
  override readonly name = 'UnsupportedRequestError';

  constructor(message: string) {
    super(ErrorCode.UNSUPPORTED_VERSION, message);
  }
}
