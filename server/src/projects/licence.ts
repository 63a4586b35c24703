import parse from 'spdx-expression-parse';
import licenses from 'spdx-license-list';

export type LicenceInfo = { id: string; name: string | null; isOsiApproved: boolean };
export type LicenceCheck = { expression: string; licences: LicenceInfo[]; isOsiApproved: boolean };

type Node = { license: string; plus?: boolean; exception?: string } | { left: Node; conjunction: string; right: Node };

/**
 * Validates an SPDX licence expression and says whether every licence in it is OSI-approved, from
 * the SPDX licence list. `LicenseRef-` identifiers are valid SPDX but never OSI-approved.
 */
export function checkLicence(expression: string): LicenceCheck | { error: string } {
  let tree: Node;
  try {
    tree = parse(expression.trim()) as Node;
  } catch (error) {
    // The parser dereferences a missing token instead of reporting it when the input stops mid-way.
    const reason = error instanceof TypeError ? 'it ends too early' : (error as Error).message || 'syntax error';
    return { error: `is not a valid SPDX expression (${reason})` };
  }
  const ids = new Set<string>();
  const walk = (node: Node) => {
    // "GPL-2.0+" is its own (deprecated) entry in the list, "or later" rather than "only".
    if ('license' in node) ids.add(node.plus ? `${node.license}+` : node.license);
    else {
      walk(node.left);
      walk(node.right);
    }
  };
  walk(tree);
  const list = licenses as Record<string, { name: string; osiApproved: boolean }>;
  const licences = [...ids].map((id) => {
    const own = list[id];
    const base = list[id.replace(/\+$/, '')];
    const name = own?.name ?? (base ? `${base.name} or later` : null);
    return { id, name, isOsiApproved: (own ?? base)?.osiApproved === true };
  });
  return { expression: expression.trim(), licences, isOsiApproved: licences.every((licence) => licence.isOsiApproved) };
}
