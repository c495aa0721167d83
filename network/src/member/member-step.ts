import type { FabricHome } from '../fabric-home';
import type { Charter } from './charter';
import type { Member } from './member';

/** What a channel step (founding, membership changes) needs of the member taking it on its own host. */
export interface MemberStepOptions {
  readonly member: Member;
  readonly fabric: FabricHome;
  readonly charter: Charter;
  readonly log?: (message: string) => void;
}
