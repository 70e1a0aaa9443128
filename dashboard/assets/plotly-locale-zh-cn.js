// Chinese (zh-CN) locale for plotly.js, registered before any graph renders (served locally).
window.PlotlyLocales = window.PlotlyLocales || {};
(function register() {
  if (!window.Plotly) { return setTimeout(register, 20); }
  window.Plotly.register({
    moduleType: 'locale',
    name: 'zh-CN',
    dictionary: {
      'Autoscale': '自动缩放', 'Box Select': '矩形框选', 'Download plot as a png': '下载图表为PNG格式',
      'Lasso Select': '套索选择', 'Pan': '平移', 'Reset axes': '重置轴', 'Zoom': '缩放',
      'Zoom in': '放大', 'Zoom out': '缩小', 'Toggle Spike Lines': '切换尖峰线',
      'Show closest data on hover': '悬停时显示最接近的数据', 'Compare data on hover': '悬停时比较数据',
      'Double-click to zoom back out': '双击缩小'
    },
    format: {
      days: ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
      shortDays: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
      months: ['一月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月', '十一月', '十二月'],
      shortMonths: ['1月', '2月', '3月', '4月', '5月', '6月', '7月', '8月', '9月', '10月', '11月', '12月'],
      date: '%Y-%m-%d', decimal: '.', thousands: ','
    }
  });
})();
