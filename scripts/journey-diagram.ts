import type { JourneyGraph } from '../functions/engine/lint.js';

/** A Mermaid flowchart of a journey: nodes, outcomes as edge labels, the end states. */
export function mermaid(graph: JourneyGraph): string {
  const lines = ['flowchart LR', '  start((Start))'];
  lines.push(`  start --> ${graph.start}`);
  for (const node of graph.nodes) {
    lines.push(`  ${node.id}["${node.id}<br/><small>${node.type}</small>"]`);
  }
  for (const [name, status] of Object.entries(graph.ends)) {
    lines.push(status === 'success' ? `  ${name}([${name}])` : `  ${name}{{${name}}}`);
  }
  for (const node of graph.nodes) {
    for (const [outcome, next] of Object.entries(node.routes)) {
      if (outcome === 'suspended') continue;
      lines.push(`  ${node.id} -->|${outcome}| ${next}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function diagramMarkdown(graph: JourneyGraph): string {
  return [
    `# Journey: ${graph.journey}`,
    '',
    `Generated from \`statemachines/${graph.journey}.asl.json\` by \`npm run docs:journeys\`; a test fails when it is stale.`,
    `Nodes that wait for the user: ${graph.resumeTargets.join(', ') || 'none'}.`,
    '',
    '```mermaid',
    mermaid(graph).trimEnd(),
    '```',
    '',
  ].join('\n');
}
