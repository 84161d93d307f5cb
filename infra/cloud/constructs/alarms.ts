import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ResourceGroup } from './common.js';

export interface AlarmsProps {
  /** The SNS topic alarms notify. @default - alarms without actions */
  readonly topicArn?: string;
  /** The functions, by construct id: an alarm `<id>Errors` on any error of each. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** The state machines, by journey: an alarm `<journey>ExecutionsFailed` on any failed execution of each. */
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  /** The API: an alarm `Api5xxErrors` on any 5XX answer. */
  readonly api: HttpApi;
}

/** An alarm on any occurrence within 5 minutes of a function error, a failed execution or a 5XX answer. */
export class Alarms extends ResourceGroup {
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const topic = props.topicArn ? Topic.fromTopicArn(this, 'AlarmTopic', props.topicArn) : undefined;
    const alarms: Alarm[] = [];
    const alarmOn = (alarmId: string, metric: IMetric, alarmDescription: string): void => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription,
      });
      if (topic) created.addAlarmAction(new SnsAction(topic));
      alarms.push(created);
    };
    for (const [functionId, fn] of Object.entries(props.functions)) {
      alarmOn(
        `${functionId}Errors`,
        fn.metricErrors({ period: Duration.minutes(5) }),
        `${functionId} threw errors`,
      );
    }
    for (const [journey, machine] of Object.entries(props.stateMachines)) {
      alarmOn(
        `${journey}ExecutionsFailed`,
        machine.metricFailed({ period: Duration.minutes(5) }),
        `${journey} executions failed`,
      );
    }
    alarmOn(
      'Api5xxErrors',
      props.api.metricServerError({ period: Duration.minutes(5) }),
      'The callbacks API answered 5XX',
    );
    this.alarms = alarms;
  }
}
