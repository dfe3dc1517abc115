/**
 * Every PromQL expression the deploy/ files hold, and the metric names each selects, read with
 * Prometheus' own PromQL grammar (lezer-promql) so a name is a selector, never a label or a
 * function that looks like one.
 */
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

export interface Expression {
  /** Where it stands, for messages: file and panel, annotation or rule. */
  where: string;
  /** The expression with Grafana's variables replaced by values PromQL accepts. */
  expr: string;
}

/** Values for Grafana's built-in and dashboard variables, so that the text is plain PromQL. */
const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
  machine: 'mill-1',
};

function substituteVariables(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = GRAFANA_VARIABLES[name];
    if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
    return value;
  });
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

interface Dashboard {
  panels?: Panel[];
  annotations?: { list?: Array<{ name?: string; expr?: string }> };
  templating?: { list?: Array<{ name?: string; definition?: string }> };
}

/** Panel targets, annotation queries and the metrics behind template variables. */
export function dashboardExpressions(path: string): Expression[] {
  const dashboard = JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
  const found: Expression[] = [];
  const visit = (panels: Panel[] = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined) {
          found.push({
            where: `${path} panel "${panel.title}"`,
            expr: substituteVariables(target.expr),
          });
        }
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (annotation.expr !== undefined) {
      found.push({
        where: `${path} annotation "${annotation.name}"`,
        expr: substituteVariables(annotation.expr),
      });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    // label_values(metric, label) is Grafana's, not PromQL; the metric inside is a selector.
    const metric = /^label_values\((.+),\s*\w+\)$/.exec(variable.definition ?? '')?.[1];
    if (metric !== undefined)
      found.push({ where: `${path} variable "${variable.name}"`, expr: metric });
  }
  return found;
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

/** The expression of every alerting and recording rule. */
export function ruleExpressions(path: string): Expression[] {
  const file = parseYaml(readFileSync(path, 'utf8')) as RuleFile;
  return file.groups.flatMap((group) =>
    group.rules.map((rule) => ({
      where: `${path} ${rule.alert ?? rule.record}`,
      expr: rule.expr,
    })),
  );
}

/** The metric names an expression selects; throws where the grammar finds an error. */
export function selectedMetrics(expression: Expression): string[] {
  const { expr } = expression;
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) {
        throw new Error(`${expression.where}: PromQL error at ${node.from} in: ${expr}`);
      }
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.add(expr.slice(node.from, node.to));
      }
    },
  });
  return [...names];
}
