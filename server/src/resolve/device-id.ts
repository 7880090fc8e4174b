// The syntax of a "deviceID" (a selection option, or the runtime's capability arg): the device a
// plugin takes from the node for the pod. host-device and SR-IOV read it as a PCI address and join
// it under /sys/bus/pci/devices; newer host-device also takes an auxiliary device name
// (/sys/bus/auxiliary/devices, e.g. mlx5 sub-functions). A path ("../../tmp/x") would name any
// directory as a device, so nothing but these two forms passes. Pure.

/** domain:bus:device.function as sysfs spells it; domains above ffff exist (Intel VMD). */
const PCI_ADDRESS = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/i;
/** `<driver>.<name>.<id>`, or any plain name of these characters: no '/', no leading '.', no "..". */
const DEVICE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export const DEVICE_ID_RULE =
  "must be a PCI address (domain:bus:device.function, e.g. 0000:03:00.1) or a device name of letters, digits, '_', '-' and '.' (e.g. mlx5_core.sf.4), not a path";

export function isDeviceId(id: string): boolean {
  return PCI_ADDRESS.test(id) || (DEVICE_NAME.test(id) && !id.includes(".."));
}
