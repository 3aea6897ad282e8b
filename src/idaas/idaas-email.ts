/** The footer of every email a subscriber sends a member through IDaaS (notifications and invites). */
export function emailFooter(publicUrl: string, org: string): string {
  return (
    `${org} sent you this message through OpenPDX because your Personal Data Store is connected to them. ` +
    `To stop their messages, remove the connection: ${publicUrl}/me/connections`
  );
}
