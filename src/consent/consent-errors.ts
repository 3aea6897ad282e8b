/** Errors of the consent journey (contract §4, §5). */
import { AppError } from '../errors.ts';

/** MX-09: an unknown, spent or expired one-time link shows no consent form. */
export class LinkUnavailableError extends AppError {
  constructor() {
    super('link_unavailable', 410, 'This link has expired or was already used.', {
      reason: 'Ask the organisation that sent it for a new link.',
    });
  }
}

/** Contract §4.3: an update needs a member already connected to this connection. */
export class MemberNotConnectedError extends AppError {
  constructor() {
    // Same answer whether the MydexID exists or not (MX-07).
    super('member_not_connected', 404, 'Member not connected', {
      reason: 'No member with this MydexID is connected to this connection.',
    });
  }
}

/** An FTC or update link needs the member to be logged in. */
export class LoginRequiredError extends AppError {
  constructor() {
    super('login_required', 401, 'Log in to continue.');
  }
}

/** The link names one MydexID and another member is logged in. */
export class WrongMemberError extends AppError {
  constructor() {
    super('wrong_member', 403, 'This link was made for another member.', {
      reason: 'Log out and log in with the MydexID the organisation named.',
    });
  }
}
