// The image reference `npm run image` builds and deploy/daemonset.yaml names.
export function imageName(version: string): string {
  return `localhost/netattach:${version}`;
}
