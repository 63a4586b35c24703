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
    const message = (error as Error).message;
    return {
      error: message.startsWith('Unexpected')
        ? `is not a valid SPDX expression (${message})`
        : 'is not a valid SPDX expression (it ends too early)',
    };
  }
  const ids = new Set<string>();
  const walk = (node: Node) => {
    if ('license' in node) ids.add(node.license);
    else {
      walk(node.left);
      walk(node.right);
    }
  };
  walk(tree);
  const list = licenses as Record<string, { name: string; osiApproved: boolean }>;
  const licences = [...ids].map((id) => ({ id, name: list[id]?.name ?? null, isOsiApproved: list[id]?.osiApproved === true }));
  return { expression: expression.trim(), licences, isOsiApproved: licences.every((licence) => licence.isOsiApproved) };
}
